using System.Diagnostics;

namespace UsbPassd.Benchmarks;

/// <summary>Starts a usbpassd for a figure: the shipped binary, or a build's usbpassd.dll through dotnet.</summary>
internal static class DaemonProcess
{
    public static Process Start(string binary, params string[] arguments)
    {
        bool dll = binary.EndsWith(".dll", StringComparison.Ordinal);
        var psi = new ProcessStartInfo(dll ? "dotnet" : binary) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in (string[])[.. dll ? [binary] : Array.Empty<string>(), .. arguments])
        {
            psi.ArgumentList.Add(a);
        }

        Process p = Process.Start(psi)!;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    public static async Task WaitForSocketAsync(string path)
    {
        for (int i = 0; i < 600 && !File.Exists(path); i++)
        {
            await Task.Delay(50);
        }
    }
}
