using System.Globalization;
using System.Text.Json.Nodes;
using UsbPassd.Placement;
using UsbPassd.Tests.Integration.Placement;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// One (operation, point) pair of the Placement sync on a <see cref="CrashHost"/> whose daemons sync
/// into a real Placement (<see cref="CrashPlacementFixture"/>): an unarmed daemon settles (the ledger
/// and Placement agree), is killed, what the operation needs done while it is down is done (Placement
/// emptied, a key plugged or pulled), one armed at the point starts and does the rest (a reserve, the
/// scheduler's allocation written or deleted), then an unarmed one starts and syncs, and
/// <see cref="LedgerCheck"/> and <see cref="CrashPlacementCheck"/> judge what is left.
/// </summary>
internal sealed class CrashPlacementScenario(CrashHost host, PlacementServer placement, string rootName)
{
    /// <summary>The key reserved here by a caller (its provider made unavailable).</summary>
    public const string LocalKey = "1-1";

    /// <summary>The key the harness's scheduler allocates (to domain B's UUID).</summary>
    public const string AllocatedKey = "1-2";

    /// <summary>The port keys are plugged into and pulled from while the daemon is down.</summary>
    public const string SparePort = "1-4";

    private const string Class = "CUSTOM_USB_46F4_0001";
    private readonly Dictionary<string, string> _allocated = new(StringComparer.Ordinal); // dev_id → consumer
    private int _serials;

    /// <summary>What the scheduler holds now: dev_id → consumer.</summary>
    public IReadOnlyDictionary<string, string> Allocated => _allocated;

    public async Task<CrashPair> RunAsync(CrashOperation op, string point)
    {
        await PreparedAsync(op);
        List<string> history = LedgerCheck.History(host);
        host.Kill();
        await WhileDownAsync(op);

        host.Start(point);
        bool done = await RunArmedAsync(op);
        int? exit = await host.ExitAsync(done ? 1 : 60);
        CrashScenario.EnsureKilledOrDone(host, op, point, done, exit);
        if (op == CrashOperation.PlacementPlugPulled)
        {
            host.Kill();
            host.Unplug(SparePort); // gone again before usbpassd is back: it finds the provider it made, for a device it no longer offers
        }

        await StartSyncedAsync();
        List<string> problems = await SettledAsync(history);
        return new CrashPair(op, point, op is CrashOperation.PlacementReserve ? LocalKey : op is CrashOperation.PlacementAllocate or CrashOperation.PlacementDeallocate ? AllocatedKey : SparePort, exit, problems);
    }

    /// <summary>Brings the ledger and Placement to where <paramref name="op"/> can start, with an unarmed daemon that has settled.</summary>
    public async Task PreparedAsync(CrashOperation op)
    {
        if (!host.Running)
        {
            await StartSyncedAsync();
        }

        switch (op)
        {
            case CrashOperation.PlacementStart or CrashOperation.PlacementAllocate when _allocated.Count > 0:
                await DeallocateAsync();
                break;
            case CrashOperation.PlacementUnplug when !host.Plugged(SparePort):
                host.Kill();
                host.Plug(SparePort, NewSerial());
                await StartSyncedAsync();
                break;
            case CrashOperation.PlacementReserve:
                await new CrashScenario(host).PreparedAsync(CrashOperation.Reserve, LocalKey); // frees it
                break;
            case CrashOperation.PlacementDeallocate when _allocated.Count == 0:
                await AllocateAsync();
                break;
        }

        if (op == CrashOperation.PlacementAllocate)
        {
            await new CrashScenario(host).PreparedAsync(CrashOperation.Reserve, AllocatedKey);
        }

        List<string> problems = await SettledAsync([]);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"{op}: not settled before the crash: {string.Join("; ", problems)}");
        }
    }

    /// <summary>An unarmed daemon, reconciled with libvirt and connected to Placement.</summary>
    public async Task StartSyncedAsync()
    {
        await host.StartReconciledAsync();
        if (!await host.LoggedOrDiedAsync("placement: in sync"))
        {
            throw new InvalidOperationException($"usbpassd (unarmed) died before its first sync:\n{string.Join('\n', host.Log.TakeLast(40))}");
        }
    }

    /// <summary>
    /// Waits (up to 30 s: the sync polls every second) until both checks hold; what is still wrong at
    /// the end. Convergence, not a time, is what is judged: a sync that never gets there fails.
    /// </summary>
    public async Task<List<string>> SettledAsync(IReadOnlyList<string> history)
    {
        List<string> problems = [];
        for (int i = 0; i < 60; i++)
        {
            problems = [.. LedgerCheck.Problems(host, history), .. await CrashPlacementCheck.ProblemsAsync(host, placement, rootName, _allocated)];
            if (problems.Count == 0 || !host.Running)
            {
                return problems;
            }

            await Task.Delay(500);
        }

        return problems;
    }

    // What changes while usbpassd is down: what its next (armed) start must bring into Placement.
    private async Task WhileDownAsync(CrashOperation op)
    {
        switch (op)
        {
            case CrashOperation.PlacementStart:
                await EmptyPlacementAsync();
                break;
            case CrashOperation.PlacementPlug or CrashOperation.PlacementPlugPulled:
                if (host.Plugged(SparePort))
                {
                    host.Unplug(SparePort); // replaced by another key: the old one's provider made unavailable too
                }

                host.Plug(SparePort, NewSerial());
                break;
            case CrashOperation.PlacementUnplug:
                host.Unplug(SparePort);
                break;
        }
    }

    // The armed daemon does the operation; true when it finished (the point was not reached on its way).
    private async Task<bool> RunArmedAsync(CrashOperation op)
    {
        if (!await host.LoggedOrDiedAsync("placement: in sync"))
        {
            return false;
        }

        switch (op)
        {
            case CrashOperation.PlacementReserve:
                string? reply = await host.AskAsync("devices.reserve", $"\"device\":\"{LocalKey}\",\"instance_uuid\":\"{host.UuidA}\"");
                if (reply is not null && !reply.Contains("\"result\"", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"reserve refused by the armed daemon: {reply}");
                }

                break;
            case CrashOperation.PlacementAllocate:
                int seen = host.Log.Count();
                await AllocateOnlyAsync();
                if (!await host.LoggedOrDiedAsync("reserved for instance", seen))
                {
                    return false;
                }

                break;
            case CrashOperation.PlacementDeallocate:
                int before = host.Log.Count();
                await DeallocateOnlyAsync();
                if (!await host.LoggedOrDiedAsync("its allocation is gone", before))
                {
                    return false;
                }

                break;
        }

        await SettledAsync([]); // ends early when the daemon dies on the way
        return host.Running;
    }

    private string NewSerial() => "SPARE" + (++_serials).ToString(CultureInfo.InvariantCulture) + "X" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    private string Provider(string devId) => PlacementNames.DeviceProvider(rootName, devId).ToString();

    // The scheduler: domain B's UUID gets the allocated key's provider, as Nova would write it.
    private async Task AllocateOnlyAsync()
    {
        string devId = CrashHost.DevId(AllocatedKey);
        var body = new JsonObject
        {
            ["allocations"] = new JsonObject { [Provider(devId)] = new JsonObject { ["resources"] = new JsonObject { [Class] = 1 } } },
            ["project_id"] = Guid.NewGuid().ToString(),
            ["user_id"] = Guid.NewGuid().ToString(),
            ["consumer_generation"] = null,
            ["consumer_type"] = "INSTANCE",
        };
        HttpResponseMessage answer = await placement.SendAsync(HttpMethod.Put, $"/allocations/{host.UuidB}", body.ToJsonString());
        if (!answer.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"the scheduler's allocation was refused: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
        }

        _allocated[devId] = host.UuidB;
    }

    private async Task DeallocateOnlyAsync()
    {
        HttpResponseMessage answer = await placement.SendAsync(HttpMethod.Delete, $"/allocations/{host.UuidB}");
        if (!answer.IsSuccessStatusCode && answer.StatusCode != System.Net.HttpStatusCode.NotFound)
        {
            throw new InvalidOperationException($"the scheduler's allocation could not be deleted: {(int)answer.StatusCode}");
        }

        _allocated.Clear();
    }

    private async Task AllocateAsync()
    {
        await AllocateOnlyAsync();
        await ThenSettledAsync("allocated");
    }

    private async Task DeallocateAsync()
    {
        await DeallocateOnlyAsync();
        await ThenSettledAsync("deallocated");
    }

    private async Task ThenSettledAsync(string what)
    {
        List<string> problems = await SettledAsync([]);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"not settled once {what}: {string.Join("; ", problems)}");
        }
    }

    // As if Placement had never heard of this host: its providers (their allocations first) and the root deleted, the sync's cache too.
    private async Task EmptyPlacementAsync()
    {
        await DeallocateOnlyAsync();
        JsonNode roots = await placement.GetAsync("/resource_providers?name=" + Uri.EscapeDataString(rootName));
        if (roots["resource_providers"]!.AsArray() is [JsonNode root])
        {
            string rootUuid = root["uuid"]!.GetValue<string>();
            foreach (string child in (await placement.ChildrenAsync(rootName)).Keys)
            {
                await MustAsync(HttpMethod.Delete, $"/resource_providers/{child}");
            }

            await MustAsync(HttpMethod.Delete, $"/resource_providers/{rootUuid}");
        }

        File.Delete(Path.Combine(host.StateDirectory, "placement-sync.json"));
    }

    private async Task MustAsync(HttpMethod method, string path)
    {
        HttpResponseMessage answer = await placement.SendAsync(method, path);
        if (!answer.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
        }
    }
}
