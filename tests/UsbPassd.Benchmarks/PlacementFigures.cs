using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using UsbPassd.Tests.Integration.Placement;

namespace UsbPassd.Benchmarks;

/// <summary>
/// Issue 15's Placement figures on the shipped daemon (make publish) and a real Placement (Debian's
/// python3-placement, noauth2), both started as the integration tests start them (SyncedHost,
/// PlacementServer); the daemon talks to Placement through the tests' RecordingProxy, which notes
/// when each of Placement's answers came. (a) A device change (unplug or replug of a key: one PUT of
/// its inventory) → Placement's answer to that PUT, against one raw inventory PUT measured in the same
/// run. (b) Placement down while 100 devices change, then back: Placement answering again → every
/// change in Placement, and Placement's state compared with the registry's.
/// </summary>
internal static class PlacementFigures
{
    private const string Class = "CUSTOM_USB_46F4_0001";
    private const int Changes = 200;
    private const int OutageChanges = 100;

    public static async Task<int> RunAsync()
    {
        int downSeconds = int.TryParse(Environment.GetEnvironmentVariable("PLACEMENT_DOWN_SECONDS"), CultureInfo.InvariantCulture, out int d) ? d : 60;
        using var placement = new PlacementServer();
        using var proxy = new RecordingProxy(placement.Url);
        Console.WriteLine($"Placement 8.0 (python3-placement, wsgiref, SQLite, noauth2) on {placement.Url}; the shipped usbpassd ({UsbPassd.Testing.Shipped.Usbpassd}) through a recording proxy");
        bool met = await ChangeLatencyAsync(placement, proxy);
        met &= await OutageAsync(placement, proxy, downSeconds);
        return met ? 0 : 1;
    }

    // (a): 200 changes of one key (unplug: reserved 1; replug at the same port: reserved 0), one at a time.
    private static async Task<bool> ChangeLatencyAsync(PlacementServer placement, RecordingProxy proxy)
    {
        using var host = new SyncedHost(Section(proxy)) { Shipped = true };
        host.Start();
        await host.WaitForLogAsync("placement: in sync");
        string uuid = host.Uuid(SyncedHost.DevId("1-1"));
        string put = $"/resource_providers/{uuid}/inventories";

        var daemon = new List<double>();
        for (int i = 0; i < Changes; i++)
        {
            int seen = proxy.Requests.Count;
            long t0 = Stopwatch.GetTimestamp();
            if (i % 2 == 0)
            {
                await host.UnplugAsync("1-1");
            }
            else
            {
                await host.PlugAsync("1-1", 2);
            }

            RecordingProxy.Seen done = await AnsweredAsync(proxy, seen, r => r.Method == "PUT" && r.Path == put);
            if (done.Status != 200)
            {
                throw new InvalidOperationException($"change {i}: PUT answered {done.Status}: {done.Answer}");
            }

            daemon.Add(Stopwatch.GetElapsedTime(t0, done.At).TotalMilliseconds);
            await Task.Delay(20); // the daemon idle again, as between a person's plugs
        }

        List<double> raw = await RawPutsAsync(placement, placement.Url);
        List<double> rawProxied = await RawPutsAsync(placement, proxy.Url);
        double budget = Percentile(raw, 0.99) + 5;
        double ratio = Percentile(daemon, 0.99) / budget;
        Console.WriteLine();
        Console.WriteLine($"(a) device change → Placement updated ({Changes} changes: uevent written → Placement's answer to the daemon's one inventory PUT)");
        Console.WriteLine(Row("daemon: change → Placement updated", daemon));
        Console.WriteLine(Row("raw inventory PUT, straight to Placement", raw));
        Console.WriteLine(Row("raw inventory PUT, through the proxy", rawProxied));
        Console.WriteLine(Invariant($"ratio p99 / (raw PUT p99 + 5 ms) = {Percentile(daemon, 0.99):0.0} / {budget:0.0} = {ratio:0.00} (goal ≤ 1.2: {(ratio <= 1.2 ? "met" : "NOT met")})"));
        return ratio <= 1.2;
    }

    // (b): keys 1-10…1-59 synced; Placement stopped; the 50 unplugged and 50 new keys (1-60…1-109) plugged, spread
    // over the outage; Placement started again after the down time; then the catch-up, and the state checked.
    private static async Task<bool> OutageAsync(PlacementServer placement, RecordingProxy proxy, int downSeconds)
    {
        using var host = new SyncedHost(Section(proxy)) { Shipped = true };
        host.Start();
        await host.WaitForLogAsync("placement: in sync");
        string[] before = [.. Enumerable.Range(10, OutageChanges / 2).Select(n => $"1-{n}")];
        string[] after = [.. Enumerable.Range(10 + (OutageChanges / 2), OutageChanges / 2).Select(n => $"1-{n}")];
        foreach ((string port, int n) in before.Select((p, n) => (p, n)))
        {
            await host.PlugAsync(port, 10 + n);
        }

        await WaitForStateAsync(placement, host, present: [.. before, "1-1", "1-2"], absent: [], TimeSpan.FromMinutes(5));

        var down = Stopwatch.StartNew();
        placement.Stop();
        var pause = TimeSpan.FromSeconds(downSeconds * 0.8 / OutageChanges);
        for (int i = 0; i < OutageChanges / 2; i++)
        {
            await host.UnplugAsync(before[i]);
            await Task.Delay(pause);
            await host.PlugAsync(after[i], 10 + (OutageChanges / 2) + i);
            await Task.Delay(pause);
        }

        int pendingWhileDown = (await host.AskAsync("host.info", "{}"))["result"]!["placement"]!["pending"]!.GetValue<int>();
        await Task.Delay(TimeSpan.FromSeconds(downSeconds) - down.Elapsed is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        placement.Start();
        long back = Stopwatch.GetTimestamp(); // Placement's first answer to its start-up probe (probed every 0.1 s)
        double downFor = down.Elapsed.TotalSeconds;
        string line = await host.WaitForLogAsync("is back after", 300);
        long caughtUp = proxy.Requests.Where(r => r.At > back).Select(r => r.At).DefaultIfEmpty(back).Max();
        double seconds = Stopwatch.GetElapsedTime(back, caughtUp).TotalSeconds;

        (int wrong, int checkedProviders, string registry) = await CompareAsync(placement, host, present: [.. after, "1-1", "1-2"], absent: before);
        Console.WriteLine();
        Console.WriteLine($"(b) Placement down {downFor:0.0} s while {OutageChanges} devices changed ({before.Length} unplugged, {after.Length} new plugged); {pendingWhileDown} changes pending in the daemon before it came back");
        Console.WriteLine(Invariant($"Placement answering again → last request of the catch-up answered: {seconds:0.00} s (goal ≤ 5 s: {(seconds <= 5 ? "met" : "NOT met")}); the daemon said: {line[(line.IndexOf("placement:", StringComparison.Ordinal))..]}"));
        Console.WriteLine($"nothing lost: {checkedProviders} providers compared with the registry ({registry}): {(wrong == 0 ? "all agree" : $"{wrong} DISAGREE")}");
        return seconds <= 5 && wrong == 0;
    }

    private static string Section(RecordingProxy proxy) => $$"""{ "endpoint": "{{proxy.Url}}", "token": "admin", "root_provider_name": "ROOT" }""";

    private static async Task<RecordingProxy.Seen> AnsweredAsync(RecordingProxy proxy, int skip, Func<RecordingProxy.Seen, bool> which)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (proxy.Requests.Skip(skip).FirstOrDefault(which) is RecordingProxy.Seen seen)
            {
                return seen;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("the daemon sent no inventory PUT within 60 s");
            }

            await Task.Delay(1);
        }
    }

    // One provider of the bench's own; its inventory PUT alternately reserved 1 and 0, at the generation each answer gives.
    private static async Task<List<double>> RawPutsAsync(PlacementServer placement, string url)
    {
        string uuid = Guid.NewGuid().ToString();
        (await placement.SendAsync(HttpMethod.Post, "/resource_providers", $$"""{"name": "bench-raw-{{uuid}}", "uuid": "{{uuid}}"}""")).EnsureSuccessStatusCode();
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add("X-Auth-Token", "admin");
        http.DefaultRequestHeaders.Add("OpenStack-API-Version", "placement 1.39");
        long generation = 0;
        var ms = new List<double>();
        for (int i = 0; i < Changes; i++)
        {
            var inventory = new JsonObject
            {
                ["resource_provider_generation"] = generation,
                ["inventories"] = new JsonObject { [Class] = new JsonObject { ["total"] = 1, ["reserved"] = 1 - (i % 2) } },
            };
            using var content = new StringContent(inventory.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
            long t0 = Stopwatch.GetTimestamp();
            using HttpResponseMessage r = await http.PutAsync($"{url}/resource_providers/{uuid}/inventories", content);
            string body = await r.Content.ReadAsStringAsync();
            ms.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            generation = r.IsSuccessStatusCode ? JsonNode.Parse(body)!["resource_provider_generation"]!.GetValue<long>() : throw new InvalidOperationException($"raw PUT: {(int)r.StatusCode} {body}");
            await Task.Delay(20);
        }

        return ms;
    }

    private static async Task WaitForStateAsync(PlacementServer placement, SyncedHost host, string[] present, string[] absent, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while ((await CompareAsync(placement, host, present, absent)).Wrong > 0)
        {
            if (clock.Elapsed > within)
            {
                throw new TimeoutException("Placement did not reach the registry's state");
            }

            await Task.Delay(500);
        }
    }

    // Each key's provider against the registry: a key the registry lists as available is offered (reserved 0), an unplugged one is not (reserved 1).
    private static async Task<(int Wrong, int Checked, string Registry)> CompareAsync(PlacementServer placement, SyncedHost host, string[] present, string[] absent)
    {
        JsonArray devices = await host.DevicesAsync();
        var available = devices.Where(v => v!["status"]!.GetValue<string>() == "available")
            .Select(v => v!["dev_id"]?.GetValue<string>() ?? "").ToHashSet(StringComparer.Ordinal);
        Dictionary<string, JsonNode> children = await placement.ChildrenAsync(host.RootName);
        int wrong = 0;
        foreach ((string port, int reserved) in present.Select(p => (p, 0)).Concat(absent.Select(p => (p, 1))))
        {
            bool registrySays = available.Contains(SyncedHost.DevId(port)) == (reserved == 0);
            string uuid = host.Uuid(SyncedHost.DevId(port));
            int? inPlacement = children.ContainsKey(uuid) ? (await placement.InventoriesAsync(uuid))[Class]?["reserved"]?.GetValue<int>() : null;
            if (!registrySays || inPlacement != reserved)
            {
                wrong++;
            }
        }

        return (wrong, present.Length + absent.Length, $"{available.Count} available keys, {devices.Count} rows listed");
    }

    private static string Row(string what, List<double> ms) =>
        Invariant($"  {what,-42} p50 {Percentile(ms, 0.5),7:0.0} ms   p99 {Percentile(ms, 0.99),7:0.0} ms   max {ms.Max(),7:0.0} ms");

    private static double Percentile(List<double> values, double p)
    {
        double[] sorted = [.. values.Order()];
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
