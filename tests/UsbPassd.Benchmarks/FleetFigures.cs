using System.Globalization;
using UsbPassd.Placement.Fleet;
using UsbPassd.Testing.Fleet;

namespace UsbPassd.Benchmarks;

/// <summary>
/// <c>make bench-fleet</c> (issue 15, item 5): a real Placement, <see cref="FleetScale"/>'s fleet synced
/// into it, its placements made, and what Placement holds checked; a readable report, no assertion on
/// time. Sizes from the environment for a smaller run: FLEET_HOSTS (1000), FLEET_DEVICES (10),
/// FLEET_MATCHING (600), FLEET_PLACEMENTS (1000), FLEET_SCHEDULERS (20), FLEET_AGENTS (20 sync agents at
/// a time), FLEET_LIMIT (candidates asked for; all when unset), FLEET_WORKERS (1: Debian's placement-api;
/// more: uwsgi processes), FLEET_URL (an already running Placement, noauth2, instead of starting one).
/// </summary>
internal static class FleetFigures
{
    public static async Task<int> RunAsync()
    {
        static int Env(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out int v) ? v : fallback;
        var scale = new FleetScale
        {
            Hosts = Env("FLEET_HOSTS", 1000),
            DevicesPerHost = Env("FLEET_DEVICES", 10),
            Matching = Env("FLEET_MATCHING", 600),
            Placements = Env("FLEET_PLACEMENTS", 1000),
            Schedulers = Env("FLEET_SCHEDULERS", 20),
            Agents = Env("FLEET_AGENTS", 20),
            CandidateLimit = Env("FLEET_LIMIT", 0) is > 0 and int limit ? limit : null,
            Prefix = "bench-" + Guid.NewGuid().ToString("N")[..6],
        };
        int workers = Env("FLEET_WORKERS", 1);
        string? url = Environment.GetEnvironmentVariable("FLEET_URL");
        using PlacementProcess? placement = url is null ? new PlacementProcess(workers) : null;
        url ??= placement!.Url;
        Console.WriteLine($"Fleet scale: {scale.Hosts} hosts × {scale.DevicesPerHost} devices ({FleetHosts.Identities.Count} corpus models), {scale.Matching} match the request; " +
            $"{scale.Placements} placements by {scale.Schedulers} schedulers; Placement at {url} ({(placement is null ? "given" : workers > 1 ? $"uwsgi, {workers} processes" : "placement-api, wsgiref")}, SQLite)");
        Console.WriteLine($"Request: {FleetScale.Request} (GET /allocation_candidates?{FleetScale.Request.CandidatesQuery(FleetScale.Request.ResourceClass!, null, scale.CandidateLimit)})");

        FleetScale.SyncFigures sync = await scale.SyncAsync(url, Console.Out);
        TimeSpan floor = sync.MedianWrite * sync.Requests;
        Console.WriteLine();
        Console.WriteLine($"Sync: {sync.Providers} device providers by {scale.Hosts} sync agents ({scale.Agents} at a time) in {sync.Wall.TotalSeconds:0.0} s, {sync.Requests} requests " +
            $"({(double)sync.Requests / sync.Providers:0.00} per device, {sync.Requests / sync.Wall.TotalSeconds:0} per s); host syncs run again after Placement dropped a connection: {sync.RetriedSyncs}");
        Console.WriteLine($"  floor: {sync.Requests} requests × {Ms(sync.MedianWrite)} (median single write measured alone in this run; a read: {Ms(sync.MedianRead)}) = {floor.TotalSeconds:0.0} s; wall ÷ floor = {sync.Wall / floor:0.00}");

        FleetScale.PlaceFigures place = await scale.PlaceAsync(url);
        FleetScale.Check check = await scale.CheckAsync(url, place.Outcomes);
        int placed = place.Outcomes.Count(o => o.Result == PlacementResult.Placed);
        int none = place.Outcomes.Count(o => o.Result == PlacementResult.NoDevice);
        int contended = place.Outcomes.Count(o => o.Result == PlacementResult.Contended);
        int conflicts = place.Outcomes.Sum(o => o.Conflicts);
        Console.WriteLine();
        Console.WriteLine($"Placements: {place.Outcomes.Count} in {place.Wall.TotalSeconds:0.0} s by {scale.Schedulers} schedulers, {place.Requests} requests");
        Console.WriteLine($"  placed {placed} (expected {Math.Min(scale.Matching, scale.Placements)}), told no device is free {none} (expected {Math.Max(0, scale.Placements - scale.Matching)}), gave up after {scale.MaxAttempts} lost races {contended}");
        Console.WriteLine($"  conflicts (409: another scheduler took the device, or a generation moved), retried: {conflicts}; most for one placement: {place.Outcomes.Max(o => o.Conflicts)}; connections Placement refused or dropped, asked again: {place.Outcomes.Sum(o => o.Dropped)}");
        Console.WriteLine($"  per placement: p50 {Ms(FleetScale.Percentile(place.Latencies, 0.5))}, p99 {Ms(FleetScale.Percentile(place.Latencies, 0.99))}, max {Ms(place.Latencies[^1])}");
        Console.WriteLine();
        Console.WriteLine($"Placement's own view afterwards: {check.AllocatedProviders} of the {scale.Matching} matching devices allocated, {check.DoublyAllocated} allocated twice, " +
            $"{check.Mismatched} consumers not on the device they were told, usage of project {FleetScale.Project}: {check.UsageTotal}");
        foreach (string problem in check.Problems.Take(10))
        {
            Console.WriteLine("  PROBLEM: " + problem);
        }

        bool ok = placed == Math.Min(scale.Matching, scale.Placements) && check.DoublyAllocated == 0 && check.Mismatched == 0 && check.UsageTotal == placed && contended == 0;
        Console.WriteLine(ok ? "Correct: exactly the matching devices placed, none twice." : "NOT CORRECT: see above.");
        return ok ? 0 : 1;
    }

    private static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:0.0} ms";
}
