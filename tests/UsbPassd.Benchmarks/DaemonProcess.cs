using System.Diagnostics;
using System.Globalization;

namespace UsbPassd.Benchmarks;

/// <summary>Starts a usbpassd for a figure: the shipped binary, or a build's usbpassd.dll through dotnet.</summary>
internal static class DaemonProcess
{
    public static Process Start(string binary, params string[] arguments) =>
        Start(binary, new Dictionary<string, string>(), output: null, arguments);

    /// <summary>With variables added to its environment, and each line it writes (stdout or stderr) given to <paramref name="output"/>.</summary>
    public static Process Start(string binary, IReadOnlyDictionary<string, string> environment, Action<string>? output, params string[] arguments)
    {
        ProcessStartInfo psi = Command(binary, arguments);
        foreach ((string name, string value) in environment)
        {
            psi.Environment[name] = value;
        }

        var p = new Process { StartInfo = psi };
        if (output is not null)
        {
            p.OutputDataReceived += (_, e) => { if (e.Data is string line) { output(line); } };
            p.ErrorDataReceived += (_, e) => { if (e.Data is string line) { output(line); } };
        }

        p.Start();
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

    /// <summary>What kind of build a binary is, for the legend of a table.</summary>
    public static string Describe(string binary) =>
        binary.EndsWith(".dll", StringComparison.Ordinal) ? "a usbpassd.dll through dotnet (JIT)"
        : File.Exists(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(binary))!, "usbpassd.dll")) ? "an apphost with usbpassd.dll beside it (ReadyToRun or JIT)"
        : "one executable (NativeAOT)";

    public static async Task WaitForSocketAsync(string path)
    {
        for (int i = 0; i < 600 && !File.Exists(path); i++)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>A memory figure of /proc/PID/status (VmRSS, VmHWM), in MiB.</summary>
    public static double Mib(int pid, string field) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal))
            .Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
}
