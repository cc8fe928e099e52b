using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using UsbPassd.Devices;
using UsbPassd.Pipeline;
using UsbPassd.Registry;
using UsbPassd.Testing;
using UsbPassd.Uevents;

namespace UsbPassd.Benchmarks;

/// <summary>
/// Issue 4's figures: event → commit latency (10,000 events, one at a time through the real
/// pipeline, real sysfs tree, real SQLite), a 10,000-event burst through the real usbpassd
/// process (none lost, peak RSS), start → READY=1, idle RSS.
/// </summary>
internal static class DaemonFigures
{
    private const int HostDevices = 50;
    private const int Events = 10_000;

    public static async Task<int> RunAsync()
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
            await Burst(tree, Path.Combine(work, "burst"), recording);
            await Idle(tree, Path.Combine(work, "idle"));
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
        Console.WriteLine(Invariant($"event → registry committed, one at a time: p50 {ms[ms.Length / 2]:0.000} ms, p99 {ms[(int)(ms.Length * 0.99)]:0.000} ms, max {ms[^1]:0.000} ms (goal p99 ≤ 10 ms)"));
    }

    private static async Task Burst(string tree, string state, string recording)
    {
        var (daemon, notify, readyMs) = Start(tree, state, $"replay:{recording}");
        using (daemon)
        using (notify)
        {
            string status = await Receive(notify, m => m.Contains($"{Events} events", StringComparison.Ordinal), TimeSpan.FromMinutes(5));
            string peak = Proc(daemon.Id, "VmHWM");
            using (Process.Start("kill", ["-TERM", daemon.Id.ToString(CultureInfo.InvariantCulture)])!) { }
            string log = await daemon.StandardError.ReadToEndAsync() + await daemon.StandardOutput.ReadToEndAsync();
            await daemon.WaitForExitAsync();
            string stopped = log.Split('\n').LastOrDefault(l => l.Contains("stopped after", StringComparison.Ordinal)) ?? "(no stop line)";
            var repo = new DeviceRepository(RegistryDatabase.Open(Path.Combine(state, "registry.db"), "bench"), UsbIds.Empty);
            int live = repo.ListLive().Count;
            // The recording's last event for each device says whether it should be present.
            int removedAtEnd = Sequence(DevPathsOf(tree)).Select(d => Encoding.UTF8.GetString(d).Split('@')[0..2])
                .GroupBy(a => a[1].Split('\0')[0]).Count(g => g.Last()[0] == "remove");
            int expected = new SysfsScanner(tree).Scan().Devices.Count - removedAtEnd;
            Console.WriteLine($"burst of {Events:N0} replayed events through usbpassd: {status[(status.IndexOf("STATUS=", StringComparison.Ordinal) + 7)..].Trim()}");
            Console.WriteLine($"  {stopped[(stopped.IndexOf("stopped", StringComparison.Ordinal))..].Trim()}");
            Console.WriteLine($"  registry after the burst: {live} live rows, the events leave {expected} present: {(live == expected ? "none lost" : "MISMATCH")}");
            Console.WriteLine($"  peak RSS {peak} (goal ≤ 64 MB); start → READY=1 {readyMs:0} ms");
        }
    }

    private static async Task Idle(string tree, string state)
    {
        var (daemon, notify, readyMs) = Start(tree, state, "none");
        using (daemon)
        using (notify)
        {
            await Task.Delay(TimeSpan.FromSeconds(3)); // idle: nothing happens, as on a quiet host
            Console.WriteLine($"idle usbpassd ({HostDevices} devices registered): RSS {Proc(daemon.Id, "VmRSS")} (goal ≤ 40 MB); start → READY=1 {readyMs:0} ms (goal ≤ 300 ms)");
            daemon.Kill();
            await daemon.WaitForExitAsync();
        }
    }

    private static (Process Daemon, Socket Notify, double ReadyMs) Start(string tree, string state, string uevents)
    {
        string socketPath = Path.Combine(Directory.CreateDirectory(state).FullName, "notify.sock");
        var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        string? published = Environment.GetEnvironmentVariable("USBPASSD_BIN");
        var psi = new ProcessStartInfo(published ?? "dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        if (published is null)
        {
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "usbpassd.dll"));
        }

        foreach (string a in new[] { "--sysfs-root", tree, "--state-dir", state, "--uevents", uevents, "--libvirt-uri", "none", "--usb-ids", UsbIds.DefaultPath })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["NOTIFY_SOCKET"] = socketPath;
        psi.Environment["WATCHDOG_USEC"] = "100000";
        var clock = Stopwatch.StartNew();
        Process daemon = Process.Start(psi)!;
        string ready = Receive(notify, m => m.Contains("READY=1", StringComparison.Ordinal), TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
        _ = ready;
        return (daemon, notify, clock.Elapsed.TotalMilliseconds);
    }

    private static async Task<string> Receive(Socket notify, Func<string, bool> until, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        byte[] buffer = new byte[4096];
        while (true)
        {
            int n = await notify.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            string message = Encoding.UTF8.GetString(buffer, 0, n);
            if (until(message))
            {
                return message;
            }
        }
    }

    private static string Proc(int pid, string field) =>
        File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal))?.Split(':')[1].Trim() is string kb
            ? Invariant($"{long.Parse(kb.Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0:0.0} MB")
            : "?";

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
