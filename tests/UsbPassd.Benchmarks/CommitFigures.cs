using System.Globalization;
using UsbPassd.Devices;
using UsbPassd.Testing;
using UsbPassd.Testing.Commits;
using UsbPassd.Uevents;

namespace UsbPassd.Benchmarks;

/// <summary>
/// Issue 14's per-commit figures: what one uevent commit costs the daemon, counted, not timed. Each
/// commit goes through the real pipeline (a 50-device sysfs tree, a real SQLite file, in this process)
/// with the feed's subscribers attached as usbpassd attaches them (<see cref="DaemonCommits"/>), and is
/// measured twice over: its managed allocations and gen0 GCs with SQLite's trace off, then the statements
/// SQLite runs for it with the trace on (the trace's own strings would count as the commit's allocations).
/// </summary>
/// <remarks>
/// Allocations are <see cref="GC.GetAllocatedBytesForCurrentThread"/>: the commit, its subscribers and
/// the replug follower all run on this thread, and the figure leaves out what other threads allocate
/// meanwhile (the tiered JIT, the connection pool's timer), which GC.GetTotalAllocatedBytes(true) would
/// add; it is exact to the byte and costs no GC to read.
/// </remarks>
internal static class CommitFigures
{
    private const int HostDevices = 50;
    private const int WarmUp = 20;
    private const int SingleRounds = 200;
    private const int BatchRounds = 50;

    // Before and After put the host back as it was (all present), so that every round is alike.
    private sealed record Scenario(string Name, int Rounds, Func<int, Uevent[]> Before, Func<int, Uevent[]> Measured, Func<int, Uevent[]> After);

    private sealed record Sample(long Bytes, long SubscriberBytes, int Gen0, long Notifications, Statements? Statements);

    public static int Run()
    {
        string work = Directory.CreateTempSubdirectory("usbpassd-commits-").FullName;
        try
        {
            string tree = Path.Combine(work, "sys");
            BigTree.Write(tree, HostDevices);
            string[] devices = DaemonCommits.DevPaths(tree);
            int present = new SysfsScanner(tree).Scan().Devices.Count;
            UsbIds names = File.Exists(UsbIds.DefaultPath) ? UsbIds.Load(UsbIds.DefaultPath) : UsbIds.Empty;
            using var daemon = new DaemonCommits(tree, Path.Combine(work, "registry.db"), names);
            var counter = new StatementCounter(daemon.Database);

            Uevent[] Each(string action) => [.. devices.Select(d => DaemonCommits.Event(action, d))];
            Uevent[] adds = Each("add"), removes = Each("remove"), changes = Each("change");
            Scenario[] scenarios =
            [
                // Each round its own device of the 50 (round-robin): it leaves, not measured, and comes back.
                new("add 1", SingleRounds, r => [removes[r % devices.Length]], r => [adds[r % devices.Length]], _ => []),
                new("remove 1", SingleRounds, _ => [], r => [removes[r % devices.Length]], r => [adds[r % devices.Length]]),
                new("change 1", SingleRounds, _ => [], r => [changes[r % devices.Length]], _ => []),
                new($"add {devices.Length}, one batch", BatchRounds, _ => removes, _ => adds, _ => []),
            ];

            var allocations = new List<Sample>[scenarios.Length];
            var statements = new List<Sample>[scenarios.Length];
            for (int s = 0; s < scenarios.Length; s++)
            {
                Rounds(daemon, scenarios[s], WarmUp, measure: () => null);
                allocations[s] = Rounds(daemon, scenarios[s], scenarios[s].Rounds, measure: () => null);
            }

            for (int s = 0; s < scenarios.Length; s++)
            {
                statements[s] = Rounds(daemon, scenarios[s], scenarios[s].Rounds, measure: () => counter);
            }

            counter.Unhook();
            Print(present, devices.Length, names, scenarios, allocations, statements);
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(work, recursive: true);
        }
    }

    private static List<Sample> Rounds(DaemonCommits daemon, Scenario scenario, int rounds, Func<StatementCounter?> measure)
    {
        List<Sample> samples = [];
        for (int r = 0; r < rounds; r++)
        {
            Commit(daemon, scenario.Before(r));
            samples.Add(Measure(daemon, scenario.Measured(r), measure()));
            Commit(daemon, scenario.After(r));
        }

        return samples;

        static void Commit(DaemonCommits daemon, Uevent[] batch)
        {
            if (batch.Length > 0)
            {
                daemon.Commit(batch);
            }
        }
    }

    private static Sample Measure(DaemonCommits daemon, IReadOnlyList<Uevent> batch, StatementCounter? counter)
    {
        counter?.Start();
        long notifications = daemon.Notifications;
        int gen0 = GC.CollectionCount(0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        daemon.Commit(batch);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        return new Sample(bytes, daemon.SubscriberBytes, GC.CollectionCount(0) - gen0, daemon.Notifications - notifications, counter?.Stop());
    }

    private static void Print(int present, int deviceCount, UsbIds names, Scenario[] scenarios, List<Sample>[] allocations, List<Sample>[] statements)
    {
        Console.WriteLine($"host: {present} USB devices (cloned from the corpus; {deviceCount} besides root hubs), usb.ids {(names == UsbIds.Empty ? "absent" : "loaded")}; each commit in this process through the real pipeline and SQLite file,");
        Console.WriteLine("with the feed's subscribers as usbpassd attaches them: policy rules, DeviceView, RPC notifications (formatted for one subscribed client), replug following");
        Console.WriteLine($"(no device owned, no libvirt). Each device in turn: {WarmUp} warm-up rounds, then {SingleRounds} rounds ({BatchRounds} for the batch): allocations with SQLite's trace off, statements with it on.");
        Console.WriteLine("issue 14 said: 3 registry reads per commit");
        Console.WriteLine();
        Console.WriteLine($"| per commit (median / p90) | {string.Join(" | ", scenarios.Select(s => s.Name))} |");
        Console.WriteLine($"| {string.Join(" | ", Enumerable.Repeat("---", scenarios.Length + 1))} |");
        Row("registry reads (SELECT)", statements, s => s.Statements!.Reads, "0");
        Row("… of which after the commit (subscribers, replug follower)", statements, s => s.Statements!.ReadsAfterCommit, "0");
        Row("registry writes (INSERT, UPDATE, DELETE; RETURNING included)", statements, s => s.Statements!.Writes, "0");
        Row("other statements (PRAGMA, BEGIN, COMMIT)", statements, s => s.Statements!.Other, "0");
        Row("RPC notifications formatted", allocations, s => s.Notifications, "0");
        Row("managed allocations, KB", allocations, s => s.Bytes / 1024.0, "0.0");
        Row("… of which the feed's subscribers and the replug follower, KB", allocations, s => s.SubscriberBytes / 1024.0, "0.0");
        Console.WriteLine($"| gen0 GCs during the measured commits | {string.Join(" | ", allocations.Select(a => $"{a.Sum(s => s.Gen0)} in {a.Count}"))} |");
        Console.WriteLine();
        Console.WriteLine($"statements of one '{scenarios[0].Name}' commit, as SQLite ran them:");
        foreach (string text in statements[0][^1].Statements!.Texts)
        {
            Console.WriteLine($"  {Shorten(text)}");
        }
    }

    private static void Row(string figure, List<Sample>[] samples, Func<Sample, double> value, string format) =>
        Console.WriteLine($"| {figure} | {string.Join(" | ", samples.Select(s => $"{Percentile(s.Select(value), 0.5).ToString(format, CultureInfo.InvariantCulture)} / {Percentile(s.Select(value), 0.9).ToString(format, CultureInfo.InvariantCulture)}"))} |");

    // Nearest rank: a value that occurred.
    private static double Percentile(IEnumerable<double> values, double p)
    {
        double[] sorted = [.. values.Order()];
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static string Shorten(string sql)
    {
        string one = string.Join(' ', sql.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return one.Length <= 110 ? one : one[..107] + "...";
    }
}
