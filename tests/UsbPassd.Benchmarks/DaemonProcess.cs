using System.Diagnostics;

namespace UsbPassd.Benchmarks;

/// <summary>Starts a usbpassd for a figure: the shipped binary, or a build's usbpassd.dll through dotnet.</summary>
internal static class DaemonProcess
{
    public static Process Start(string binary, params string[] arguments)
    {
        Process p = Process.Start(Command(binary, arguments))!;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>The program with its arguments, output redirected; a .dll runs through dotnet.</summary>
    public static ProcessStartInfo Command(string binary, params string[] arguments)
    {
        bool dll = binary.EndsWith(".dll", StringComparison.Ordinal);
        var psi = new ProcessStartInfo(dll ? "dotnet" : binary) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in (string[])[.. dll ? [binary] : Array.Empty<string>(), .. arguments])
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    public static async Task WaitForSocketAsync(string path)
    {
        for (int i = 0; i < 600 && !File.Exists(path); i++)
        {
            await Task.Delay(50);
        }
    }
}
