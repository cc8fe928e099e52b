using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using UsbPassd.Placement;
using UsbPassd.Placement.Fleet;

namespace UsbPassd.Testing.Fleet;

/// <summary>
/// Issue 15, item 5, simulated: <see cref="Hosts"/> hosts × <see cref="DevicesPerHost"/> corpus devices
/// synced into one Placement by one <see cref="PlacementSync"/> per host (<see cref="Agents"/> at a time),
/// then <see cref="Placements"/> placements by <see cref="Schedulers"/> concurrent
/// <see cref="FleetScheduler"/>s for a request that exactly <see cref="Matching"/> devices match (device 0
/// of the first <see cref="Matching"/> hosts carries the label "fleet pool"); then what Placement itself
/// holds is checked: no device allocated twice, every placed consumer on the device it was told.
/// </summary>
public sealed class FleetScale
{
    public const string Label = "fleet pool";
    public const string Project = "fleet-bench";

    public int Hosts { get; init; } = 1000;
    public int DevicesPerHost { get; init; } = 10;
    public int Matching { get; init; } = 600;
    public int Placements { get; init; } = 1000;
    public int Schedulers { get; init; } = 20;
    public int Agents { get; init; } = 20;
    public int MaxAttempts { get; init; } = 20;
    public int? CandidateLimit { get; init; }
    public string Prefix { get; init; } = "fleet";

    /// <summary>The request every scheduler makes: the model of device 0, with the label.</summary>
    public static DeviceRequest Request => new() { ResourceClass = FleetHosts.ResourceClass(0), Labels = [Label] };

    public sealed record SyncFigures(TimeSpan Wall, long Requests, int Providers, TimeSpan MedianWrite, TimeSpan MedianRead, int RetriedSyncs);

    public sealed record PlaceFigures(TimeSpan Wall, IReadOnlyList<FleetPlacement> Outcomes, IReadOnlyList<TimeSpan> Latencies, long Requests);

    public sealed record Check(int AllocatedProviders, int DoublyAllocated, int PlacedConsumers, int Mismatched, int UsageTotal, IReadOnlyList<string> Problems);

    public async Task<SyncFigures> SyncAsync(string url, TextWriter? progress = null, CancellationToken ct = default)
    {
        long requests = 0;
        int done = 0;
        int retried = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, Hosts), new ParallelOptions { MaxDegreeOfParallelism = Agents, CancellationToken = ct }, async (h, token) =>
        {
            using var client = new PlacementClient(new StaticTokenAuth(new Uri(url), "admin"), TimeSpan.FromSeconds(120));
            string root = FleetHosts.RootName(Prefix, h);
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    await FleetHosts.SyncAsync(client, root, Enumerable.Range(0, DevicesPerHost).Select(i => FleetHosts.Offer(
                        root, h, i, extraTraits: i == 0 && h < Matching ? [PlacementNames.LabelTrait(Label)] : null)), token);
                    break;
                }
                catch (PlacementException e) when (e.Failure == PlacementFailure.Unreachable && attempt < 5)
                {
                    // wsgiref's backlog of 5 overflowed under the agents: the daemon's sync would run again on its next pass; so does this host's.
                    Interlocked.Increment(ref retried);
                }
            }

            Interlocked.Add(ref requests, client.Requests);
            if (Interlocked.Increment(ref done) % 25 == 0)
            {
                progress?.WriteLine($"  synced {done} hosts ({clock.Elapsed.TotalSeconds:0} s)");
            }
        });
        TimeSpan wall = clock.Elapsed;
        (TimeSpan write, TimeSpan read) = await SingleRequestTimesAsync(url, ct);
        return new SyncFigures(wall, requests, Hosts * DevicesPerHost, write, read, retried);
    }

    /// <summary>Placement's own time for one request, measured alone (nothing else running): the median of 50 provider writes and 50 reads of the kinds the sync makes.</summary>
    private static async Task<(TimeSpan Write, TimeSpan Read)> SingleRequestTimesAsync(string url, CancellationToken ct)
    {
        using var client = new PlacementClient(new StaticTokenAuth(new Uri(url), "admin"));
        var writes = new List<TimeSpan>();
        var reads = new List<TimeSpan>();
        string root = "fleet-floor-" + Guid.NewGuid().ToString("N")[..8];
        await FleetHosts.SyncAsync(client, root, [FleetHosts.Offer(root, 99999, 0)], ct);
        Guid provider = FleetHosts.Offer(root, 99999, 0).Uuid;
        for (int i = 0; i < 50; i++)
        {
            try
            {
                var clock = Stopwatch.StartNew();
                var traits = await client.TraitsAsync(provider, ct);
                reads.Add(clock.Elapsed);
                clock.Restart();
                await client.PutTraitsAsync(provider, traits! with { Traits = [.. traits!.Traits] }, ct);
                writes.Add(clock.Elapsed);
            }
            catch (PlacementException e) when (e.Failure == PlacementFailure.Unreachable)
            {
                // wsgiref dropped the connection (see FleetHosts.ConvergeAsync): no sample
            }
        }

        return (Median(writes), Median(reads));
    }

    public async Task<PlaceFigures> PlaceAsync(string url, CancellationToken ct = default)
    {
        var outcomes = new ConcurrentBag<FleetPlacement>();
        var latencies = new ConcurrentBag<TimeSpan>();
        var consumers = new ConcurrentQueue<Guid>(Enumerable.Range(0, Placements).Select(_ => Guid.NewGuid()));
        long requests = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Schedulers).Select(_ => Task.Run(async () =>
        {
            using var client = new PlacementClient(new StaticTokenAuth(new Uri(url), "admin"), TimeSpan.FromSeconds(120));
            var scheduler = new FleetScheduler(client) { MaxAttempts = MaxAttempts, CandidateLimit = CandidateLimit, ProjectId = Project, UserId = Project };
            while (consumers.TryDequeue(out Guid consumer))
            {
                var one = Stopwatch.StartNew();
                outcomes.Add(await scheduler.PlaceAsync(Request, consumer, dryRun: false, ct));
                latencies.Add(one.Elapsed);
            }

            Interlocked.Add(ref requests, client.Requests);
        }, ct)));
        return new PlaceFigures(clock.Elapsed, [.. outcomes], [.. latencies.Order()], requests);
    }

    /// <summary>What Placement holds after the placements: every provider of the request's devices and every placed consumer, read back.</summary>
    public async Task<Check> CheckAsync(string url, IReadOnlyList<FleetPlacement> outcomes, CancellationToken ct = default)
    {
        using var reader = new PlacementReader(url);
        var problems = new List<string>();
        int allocated = 0, twice = 0;
        for (int h = 0; h < Matching; h++)
        {
            Guid provider = FleetHosts.Offer(FleetHosts.RootName(Prefix, h), h, 0).Uuid;
            int holders = ((JsonObject)(await reader.GetAsync($"/resource_providers/{provider}/allocations"))["allocations"]!).Count;
            allocated += holders > 0 ? 1 : 0;
            if (holders > 1)
            {
                twice++;
                problems.Add($"{provider} has {holders} consumers");
            }
        }

        int mismatched = 0;
        FleetPlacement[] placed = [.. outcomes.Where(o => o.Result == PlacementResult.Placed)];
        foreach (FleetPlacement p in placed)
        {
            JsonObject held = (JsonObject)(await reader.GetAsync($"/allocations/{p.Consumer}"))["allocations"]!;
            if (held.Count != 1 || held.Single().Key != p.Provider?.ToString())
            {
                mismatched++;
                problems.Add($"consumer {p.Consumer} was told {p.Provider}, Placement holds [{string.Join(',', held.Select(kv => kv.Key))}]");
            }
        }

        JsonNode usages = (await reader.GetAsync($"/usages?project_id={Project}"))["usages"]!;
        int usage = usages.AsObject().Sum(kv => kv.Value!.AsObject().Where(r => r.Key != "consumer_count").Sum(r => r.Value!.GetValue<int>()));
        return new Check(allocated, twice, placed.Length, mismatched, usage, problems);
    }

    public static TimeSpan Median(IEnumerable<TimeSpan> values) => Percentile([.. values.Order()], 0.5);

    /// <summary>The nearest-rank percentile of sorted values.</summary>
    public static TimeSpan Percentile(IReadOnlyList<TimeSpan> sorted, double p) =>
        sorted.Count == 0 ? TimeSpan.Zero : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
