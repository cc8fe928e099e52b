using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using UsbPassd.Testing;

namespace UsbPassd.Benchmarks;

/// <summary>
/// Issue 13's start-up figures, as ratios to NativeAOT yardsticks run in the same loop (tests/reference):
/// usbpassd's start → READY=1 against a Generic Host with systemd support, and <c>usbpassctl list</c>'s
/// start to exit against a hello world. The four are run in turn, so the machine's load falls on each.
/// </summary>
internal static class StartFigures
{
    private const int HostDevices = 50;
    private const int WarmUps = 3;
    private const int Runs = 30;

    public static async Task<int> RunAsync(string usbpassd, string usbpassctl, string minimalHost, string hello)
    {
        string work = Directory.CreateTempSubdirectory("usbpassd-start-").FullName;
        try
        {
            string tree = Path.Combine(work, "sys");
            BigTree.Write(tree, HostDevices);
            string state = Path.Combine(work, "state");
            string[] daemonArguments = ["--sysfs-root", tree, "--state-dir", state, "--uevents", "none", "--libvirt-uri", "none", "--socket", Path.Combine(state, "usbpassd.sock")];

            // The CLI talks to a daemon of its own, started once; each timed daemon start uses a second state
            // folder whose registry the first warm-up creates (a restart: the usual start of a service).
            string listState = Path.Combine(work, "list");
            using Process listDaemon = DaemonProcess.Start(usbpassd, "--sysfs-root", tree, "--state-dir", listState, "--uevents", "none", "--libvirt-uri", "none", "--socket", Path.Combine(listState, "usbpassd.sock"));
            await DaemonProcess.WaitForSocketAsync(Path.Combine(listState, "usbpassd.sock"));
            string[] listArguments = ["list", "--socket", Path.Combine(listState, "usbpassd.sock")];

            var samples = new Dictionary<string, List<double>>(StringComparer.Ordinal);
            for (int i = 0; i < WarmUps + Runs; i++)
            {
                Record(samples, "usbpassd", i, await ToReadyAsync(usbpassd, daemonArguments, work));
                Record(samples, "minimal-host", i, await ToReadyAsync(minimalHost, [], work));
                Record(samples, "usbpassctl", i, await ToExitAsync(usbpassctl, listArguments));
                Record(samples, "hello", i, await ToExitAsync(hello, []));
            }

            listDaemon.Kill();
            await listDaemon.WaitForExitAsync();

            Console.WriteLine($"start-up, {Runs} runs each after {WarmUps} warm-ups, taken in turn; ms: median / p90 / min");
            Row($"usbpassd start → READY=1 ({HostDevices} devices, registry present)", samples["usbpassd"]);
            Row("yardstick: Generic Host + AddSystemd(), NativeAOT, start → READY=1", samples["minimal-host"]);
            Ratio("usbpassd / yardstick", samples["usbpassd"], samples["minimal-host"], 1.5);
            Row($"usbpassctl list ({HostDevices} devices) start → exit", samples["usbpassctl"]);
            Row("yardstick: hello world, NativeAOT, start → exit", samples["hello"]);
            Ratio("usbpassctl list / yardstick", samples["usbpassctl"], samples["hello"], 2.0);
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void Record(Dictionary<string, List<double>> samples, string name, int run, double ms)
    {
        if (run >= WarmUps)
        {
            (samples.TryGetValue(name, out List<double>? list) ? list : samples[name] = []).Add(ms);
        }
    }

    /// <summary>From fork to the READY=1 datagram on a NOTIFY_SOCKET of ours; then SIGTERM and wait.</summary>
    private static async Task<double> ToReadyAsync(string binary, string[] arguments, string work)
    {
        string socketPath = Path.Combine(work, "notify.sock");
        File.Delete(socketPath);
        using var notify = new NotifySocket(socketPath);
        ProcessStartInfo psi = DaemonProcess.Command(binary, arguments);
        psi.Environment["NOTIFY_SOCKET"] = socketPath;
        // An empty folder: a template Generic Host watches its content root (the working folder) for
        // appsettings.json, recursively; in the repository that would be thousands of inotify watches.
        psi.WorkingDirectory = Directory.CreateDirectory(Path.Combine(work, "cwd")).FullName;
        long start = Stopwatch.GetTimestamp();
        using Process p = Process.Start(psi)!;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await notify.WaitAsync(m => m.Split('\n').Contains("READY=1"), TimeSpan.FromSeconds(60));
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        using (Process.Start("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)])!) { }
        await p.WaitForExitAsync(cts.Token);
        return ms;
    }

    /// <summary>From fork to exit, output read and dropped; a failure stops the benchmark (a figure of an error is no figure).</summary>
    private static async Task<double> ToExitAsync(string binary, string[] arguments)
    {
        ProcessStartInfo psi = DaemonProcess.Command(binary, arguments);
        long start = Stopwatch.GetTimestamp();
        using Process p = Process.Start(psi)!;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        await p.WaitForExitAsync();
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return p.ExitCode == 0 ? ms : throw new InvalidOperationException($"{binary} {string.Join(' ', arguments)} exited with {p.ExitCode}");
    }

    private static double Percentile(List<double> values, double p)
    {
        double[] sorted = [.. values.Order()];
        return sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * p))];
    }

    private static void Row(string what, List<double> ms) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {what,-72} {Percentile(ms, 0.5),7:0.0} / {Percentile(ms, 0.9),7:0.0} / {ms.Min(),7:0.0}"));

    private static void Ratio(string what, List<double> ms, List<double> yardstick, double goal)
    {
        double ratio = Percentile(ms, 0.5) / Percentile(yardstick, 0.5);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  → {what}: {ratio:0.00}× of the median (goal ≤ {goal:0.0}×: {(ratio <= goal ? "met" : "not met")})"));
    }
}
