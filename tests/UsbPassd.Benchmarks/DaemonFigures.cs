using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using UsbPassd.Devices;
using UsbPassd.Pipeline;
using UsbPassd.Registry;
using UsbPassd.Testing;
using UsbPassd.Uevents;

namespace UsbPassd.Benchmarks;

/// <summary>
/// Issue 4's figures: event → commit latency (10,000 events, one at a time through the real pipeline,
/// real sysfs tree, real SQLite, in this process); then, for each usbpassd build given, alternately in
/// one run (issue 13: ReadyToRun before, NativeAOT after), start → READY=1, idle RSS, and a 10,000-event
/// burst through the real process (none lost, peak RSS, its own received → committed latency).
/// </summary>
internal static class DaemonFigures
{
    private const int HostDevices = 50;
    private const int Events = 10_000;
    private const int IdleStarts = 5;
    private const int Bursts = 3;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] daemons)
    {
        string work = Directory.CreateTempSubdirectory("usbpassd-figures-").FullName;
        try
        {
            string tree = Path.Combine(work, "sys");
            BigTree.Write(tree, HostDevices);
            string[] devPaths = DevPathsOf(tree);
            List<Uevent> events = [.. Sequence(devPaths).Select(d => UeventParser.TryParse(d, out Uevent? e, out _) ? e : throw new InvalidOperationException())];

            Console.WriteLine($"host: {HostDevices} USB devices (cloned from the corpus), {Events:N0} events: each device removed and added in turn");
            Latency(tree, Path.Combine(work, "latency"), events);

            string recording = Path.Combine(work, "burst.uevents");
            await File.WriteAllLinesAsync(recording, Sequence(devPaths).Select(d => RecordedUevents.Line(UeventGroup.Kernel, d)));
            // The recording's last event for each device says whether it should be present.
            int removedAtEnd = Sequence(devPaths).Select(d => Encoding.UTF8.GetString(d).Split('@')[0..2])
                .GroupBy(a => a[1].Split('\0')[0]).Count(g => g.Last()[0] == "remove");
            int expected = new SysfsScanner(tree).Scan().Devices.Count - removedAtEnd;

            int n = daemons.Length, run = 0;
            var idle = new List<(double ReadyMs, double RssMb)>[n];
            var bursts = new List<BurstFigures>[n];
            for (int i = 0; i < n; i++)
            {
                (idle[i], bursts[i]) = ([], []);
            }

            for (int round = 0; round < IdleStarts; round++)
            {
                foreach (int i in ComparisonTable.Alternate(round, n))
                {
                    idle[i].Add(await Idle(daemons[i], tree, Path.Combine(work, $"idle-{run++}")));
                }
            }

            for (int round = 0; round < Bursts; round++)
            {
                foreach (int i in ComparisonTable.Alternate(round, n))
                {
                    bursts[i].Add(await Burst(daemons[i], tree, Path.Combine(work, $"burst-{run++}"), recording, expected));
                }
            }

            Console.WriteLine();
            Console.WriteLine($"usbpassd builds, alternately in this run: {IdleStarts} idle starts each ({HostDevices} devices, --uevents none), {Bursts} bursts each (the {Events:N0} events replayed); medians");
            var table = new ComparisonTable(daemons);
            table.Add("start → READY=1, ms", "≤ 300 ms", idle.Select(r => ComparisonTable.Median(r.Select(x => x.ReadyMs))), "0");
            table.Add($"idle RSS {Settle.TotalSeconds:0} s after READY=1, MB", "≤ 20 MB", idle.Select(r => ComparisonTable.Median(r.Select(x => x.RssMb))), "0.0");
            table.Add($"burst: registry as the events leave it ({expected} present)", "none lost", bursts.Select(r => $"{r.Count(b => b.NoneLost)} of {r.Count} none lost"));
            table.Add("burst: peak RSS (VmHWM), MB", "≤ 40 MB", bursts.Select(r => ComparisonTable.Median(r.Select(b => b.PeakMb))), "0.0");
            table.Add("burst: received → committed p50, ms (its stop line)", "-", bursts.Select(r => ComparisonTable.Median(r.Select(b => b.P50Ms))), "0.000");
            table.Add("burst: received → committed p99, ms (its stop line)", "no regression", bursts.Select(r => ComparisonTable.Median(r.Select(b => b.P99Ms))), "0.000");
            table.Add($"burst: start → STATUS= {Events} events, s", "-", bursts.Select(r => ComparisonTable.Median(r.Select(b => b.Seconds))), "0.00");
            table.Print();
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(work, recursive: true);
        }
    }

    private static string[] DevPathsOf(string tree) =>
        [.. Directory.EnumerateFileSystemEntries(Path.Combine(tree, "bus/usb/devices"))
            .Select(e => new FileInfo(e).LinkTarget!).Select(t => t[t.IndexOf("/devices/", StringComparison.Ordinal)..])
            .Where(p => !p.EndsWith("usb1", StringComparison.Ordinal)).Order()];

    private static IEnumerable<byte[]> Sequence(string[] devPaths)
    {
        for (int i = 0; i < Events; i++)
        {
            string action = (i / devPaths.Length) % 2 == 0 ? "remove" : "add";
            yield return RecordedUevents.KernelDatagram(action, devPaths[i % devPaths.Length], ("SUBSYSTEM", "usb"), ("DEVTYPE", "usb_device"), ("SEQNUM", $"{i + 1}"));
        }
    }

    private static void Latency(string tree, string state, List<Uevent> events)
    {
        var repo = new DeviceRepository(RegistryDatabase.Open(Path.Combine(state, "registry.db"), "bench"), UsbIds.Empty);
        var pipeline = new DevicePipeline(new SysfsScanner(tree), repo, UsbIds.Empty);
        pipeline.Resync();
        double[] ms = new double[events.Count];
        for (int i = 0; i < events.Count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            pipeline.Apply([events[i]]);
            ms[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(ms);
        Console.WriteLine(Invariant($"event → registry committed, one at a time, in this process (the library under JIT, not a build below): p50 {ms[ms.Length / 2]:0.000} ms, p99 {ms[(int)(ms.Length * 0.99)]:0.000} ms, max {ms[^1]:0.000} ms (goal p99 ≤ 10 ms)"));
    }

    private sealed record BurstFigures(bool NoneLost, double PeakMb, double P50Ms, double P99Ms, double Seconds);

    private static async Task<BurstFigures> Burst(string binary, string tree, string state, string recording, int expected)
    {
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var (daemon, notify, _) = await Start(binary, tree, state, $"replay:{recording}", log.Enqueue);
        using (daemon)
        using (notify)
        {
            await notify.WaitAsync(m => Status(m)?.Contains($" {Events} events", StringComparison.Ordinal) == true, TimeSpan.FromMinutes(5));
            double seconds = notify.Elapsed.TotalSeconds;
            double peak = DaemonProcess.Mib(daemon.Id, "VmHWM");
            using (Process.Start("kill", ["-TERM", daemon.Id.ToString(CultureInfo.InvariantCulture)])!) { }
            await daemon.WaitForExitAsync();
            string stopped = log.LastOrDefault(l => l.Contains("stopped after", StringComparison.Ordinal)) ?? "";
            Match latency = Regex.Match(stopped, @"p50 ([0-9.]+) ms, p99 ([0-9.]+) ms");
            var repo = new DeviceRepository(RegistryDatabase.Open(Path.Combine(state, "registry.db"), "bench"), UsbIds.Empty);
            return new BurstFigures(repo.ListLive().Count == expected, peak,
                latency.Success ? double.Parse(latency.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN,
                latency.Success ? double.Parse(latency.Groups[2].Value, CultureInfo.InvariantCulture) : double.NaN,
                seconds);
        }
    }

    private static async Task<(double ReadyMs, double RssMb)> Idle(string binary, string tree, string state)
    {
        var (daemon, notify, readyMs) = await Start(binary, tree, state, "none", output: null);
        using (daemon)
        using (notify)
        {
            await Task.Delay(Settle); // idle: nothing happens, as on a quiet host
            double rss = DaemonProcess.Mib(daemon.Id, "VmRSS");
            daemon.Kill();
            await daemon.WaitForExitAsync();
            return (readyMs, rss);
        }
    }

    // Returns once the daemon says READY=1 (a line of its own; the ReadyToRun build sent READY=1 and STATUS=
    // in one datagram, Microsoft.Extensions.Hosting.Systemd sends READY=1 alone and our STATUS= after it).
    private static async Task<(Process Daemon, NotifySocket Notify, double ReadyMs)> Start(string binary, string tree, string state, string uevents, Action<string>? output)
    {
        var notify = new NotifySocket(Path.Combine(Directory.CreateDirectory(state).FullName, "notify.sock"));
        Process daemon = DaemonProcess.Start(binary, new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Path, ["WATCHDOG_USEC"] = "100000" }, output,
            "--sysfs-root", tree, "--state-dir", state, "--uevents", uevents, "--libvirt-uri", "none", "--usb-ids", UsbIds.DefaultPath);
        await notify.WaitAsync(m => m.Split('\n').Contains("READY=1"), TimeSpan.FromSeconds(60));
        return (daemon, notify, notify.Elapsed.TotalMilliseconds);
    }

    private static string? Status(string message) => message.Split('\n').FirstOrDefault(l => l.StartsWith("STATUS=", StringComparison.Ordinal));


    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
