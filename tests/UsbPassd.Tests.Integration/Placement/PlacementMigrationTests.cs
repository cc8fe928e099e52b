using System.Text.Json.Nodes;
using UsbPassd.Placement;

namespace UsbPassd.Tests.Integration.Placement;

/// <summary>
/// A live migration's USB allocation, against a real Placement and two real daemons (two hosts with
/// the same key): moved from host a's device to host b's in one POST /allocations (the instance's
/// VCPU on a compute node kept, the source held by the migration consumer), then finished (a's
/// device free) or reverted (back on a); host a keeps the device for the instance while its
/// migration consumer holds it, host b follows the instance's allocation; a generation race is
/// retried; every step repeated is a no-op.
/// </summary>
public sealed class PlacementMigrationTests : IDisposable
{
    private const string Class = "CUSTOM_USB_46F4_0001";
    private readonly PlacementServer _placement = new();

    public void Dispose() => _placement.Dispose();

    private async Task<SyncedHost> StartedAsync()
    {
        var host = new SyncedHost($$"""{ "endpoint": "{{_placement.Url}}", "token": "admin", "root_provider_name": "ROOT", "poll_seconds": 1 }""");
        host.Start();
        await host.WaitForLogAsync("placement: in sync");
        return host;
    }

    private PlacementClient Client(string? url = null) => new(new StaticTokenAuth(new Uri(url ?? _placement.Url), "admin"), TimeSpan.FromSeconds(10));

    /// <summary>A standalone provider (a compute node, or a device of a host with no daemon) with one inventory; what Placement said when it hung up.</summary>
    private async Task<string> ProviderAsync(string resourceClass, int total)
    {
        try
        {
            return await ProviderOnceAsync(resourceClass, total);
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException("placement-api closed the connection without an answer; its last lines:\n" + string.Join('\n', _placement.Log.Select(l => l.Line).TakeLast(30)), e);
        }
    }

    private async Task<string> ProviderOnceAsync(string resourceClass, int total)
    {
        string uuid = Guid.NewGuid().ToString();
        (await _placement.SendAsync(HttpMethod.Post, "/resource_providers", $$"""{"name": "rp-{{uuid}}", "uuid": "{{uuid}}"}""")).EnsureSuccessStatusCode();
        if (resourceClass.StartsWith("CUSTOM_", StringComparison.Ordinal))
        {
            (await _placement.SendAsync(HttpMethod.Put, "/resource_classes/" + resourceClass)).EnsureSuccessStatusCode();
        }

        (await _placement.SendAsync(HttpMethod.Put, $"/resource_providers/{uuid}/inventories", new JsonObject { ["resource_provider_generation"] = 0, ["inventories"] = new JsonObject { [resourceClass] = new JsonObject { ["total"] = total } } }.ToJsonString())).EnsureSuccessStatusCode();
        return uuid;
    }

    private async Task AllocateAsync(string consumer, string device, string compute)
    {
        string body = Allocations(device, 1, compute, 2, generation: null);
        HttpResponseMessage answer = await _placement.SendAsync(HttpMethod.Put, $"/allocations/{consumer}", body);
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
    }

    private static string Allocations(string device, int usb, string compute, int vcpu, long? generation) => new JsonObject
    {
        ["allocations"] = new JsonObject
        {
            [device] = new JsonObject { ["resources"] = new JsonObject { [Class] = usb } },
            [compute] = new JsonObject { ["resources"] = new JsonObject { ["VCPU"] = vcpu } },
        },
        ["project_id"] = "p-migrating",
        ["user_id"] = "u-migrating",
        ["consumer_generation"] = generation,
        ["consumer_type"] = "INSTANCE",
    }.ToJsonString();

    /// <summary>What <paramref name="consumer"/> holds: provider → class → amount.</summary>
    private async Task<Dictionary<string, Dictionary<string, int>>> HeldAsync(string consumer) =>
        (await _placement.GetAsync($"/allocations/{consumer}"))["allocations"]!.AsObject()
            .ToDictionary(p => p.Key, p => p.Value!["resources"]!.AsObject().ToDictionary(r => r.Key, r => r.Value!.GetValue<int>()));

    private static string MigrationOf(string instance) => PlacementNames.MigrationConsumer(Guid.Parse(instance)).ToString();

    private static async Task<bool> HeldByAsync(SyncedHost host, string port, string? instance, string status)
    {
        JsonNode d = (await host.DevicesAsync()).Single(d => d!["port_id"]!.GetValue<string>() == port)!;
        return d["status"]!.GetValue<string>() == status && d["instance_uuid"]?.GetValue<string>() == instance;
    }

    private async Task<int> ReservedAsync(string uuid) => (await _placement.InventoriesAsync(uuid))[Class]!["reserved"]!.GetValue<int>();

    private static async Task<JsonNode> PlacementInfoAsync(SyncedHost host) => (await host.AskAsync("host.info", "{}"))["result"]!["placement"]!;

    // Both hosts up, the instance allocated host a's key and 2 VCPU of a compute node, and host a following it.
    private async Task<(SyncedHost A, SyncedHost B, string Instance, string Compute)> AllocatedOnAAsync()
    {
        SyncedHost a = await StartedAsync();
        SyncedHost b = await StartedAsync();
        string compute = await ProviderAsync("VCPU", 8);
        string instance = Guid.NewGuid().ToString();
        await AllocateAsync(instance, a.Uuid(SyncedHost.DevId("1-1")), compute);
        await SyncedHost.EventuallyAsync(() => HeldByAsync(a, "1-1", instance, "reserved"), "host a reserves its key for the instance");
        return (a, b, instance, compute);
    }

    private async Task<AllocationMove?> MoveAsync(string instance, SyncedHost to)
    {
        using PlacementClient client = Client();
        return await client.MoveAsync(Guid.Parse(instance), Guid.Parse(to.Uuid(SyncedHost.DevId("1-1"))), Class, CancellationToken.None);
    }

    [Fact]
    public async Task A_move_gives_the_destination_to_the_instance_and_the_source_to_its_migration_consumer_until_it_finishes()
    {
        (SyncedHost a, SyncedHost b, string instance, string compute) = await AllocatedOnAAsync();
        using (a)
        using (b)
        {
            string source = a.Uuid(SyncedHost.DevId("1-1")), destination = b.Uuid(SyncedHost.DevId("1-1"));
            AllocationMove? move = await MoveAsync(instance, b);
            Assert.Equal(new AllocationMove(Guid.Parse(instance), Guid.Parse(MigrationOf(instance)), Guid.Parse(source), Guid.Parse(destination), Class, 1), move);

            Dictionary<string, Dictionary<string, int>> held = await HeldAsync(instance);
            Assert.Equal(new[] { compute, destination }.Order(StringComparer.Ordinal), held.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(2, held[compute]["VCPU"]);
            Assert.Equal(1, held[destination][Class]);
            JsonNode migration = await _placement.GetAsync($"/allocations/{MigrationOf(instance)}");
            Assert.Equal("MIGRATION", migration["consumer_type"]!.GetValue<string>());
            Assert.Equal("p-migrating", migration["project_id"]!.GetValue<string>());
            Assert.Equal(1, (await HeldAsync(MigrationOf(instance)))[source][Class]);
            Assert.Null(await MoveAsync(instance, b)); // done already: nothing to move

            // Host b follows the instance's allocation; host a keeps the key for the instance still running there.
            await SyncedHost.EventuallyAsync(() => HeldByAsync(b, "1-1", instance, "reserved"), "host b reserves its key for the instance");
            await a.WaitForLogAsync($"device {SyncedHost.DevId("1-1")} stays with instance {instance}: it is live-migrating");
            await Task.Delay(2500); // two polls of host a
            Assert.True(await HeldByAsync(a, "1-1", instance, "reserved"), "the source keeps the device while the migration consumer holds it");
            Assert.Equal(0, (await PlacementInfoAsync(a))["conflicts"]!.GetValue<int>());
            Assert.Equal(0, await ReservedAsync(source)); // the migration consumer's allocation accounts for it: a reserved 1 would make a revert over capacity
            Assert.DoesNotContain(a.Log, l => l.Contains("conflict", StringComparison.Ordinal));

            using PlacementClient client = Client();
            Assert.True(await client.FinishMoveAsync(Guid.Parse(instance), CancellationToken.None));
            Assert.Empty(await HeldAsync(MigrationOf(instance)));
            Assert.False(await client.FinishMoveAsync(Guid.Parse(instance), CancellationToken.None)); // finished already
            await SyncedHost.EventuallyAsync(() => HeldByAsync(a, "1-1", null, "available"), "host a's key, only reserved (no domain ran with it), is free once the migration finished");
            Assert.Equal(0, await ReservedAsync(source));
            Assert.True(await HeldByAsync(b, "1-1", instance, "reserved"), "host b keeps it");
            Assert.Equal(2, (await HeldAsync(instance))[compute]["VCPU"]);
        }
    }

    [Fact]
    public async Task A_reverted_move_puts_the_instance_back_on_the_source_and_empties_the_migration_consumer()
    {
        (SyncedHost a, SyncedHost b, string instance, string compute) = await AllocatedOnAAsync();
        using (a)
        using (b)
        {
            string source = a.Uuid(SyncedHost.DevId("1-1"));
            Assert.NotNull(await MoveAsync(instance, b));
            await SyncedHost.EventuallyAsync(() => HeldByAsync(b, "1-1", instance, "reserved"), "host b reserves its key for the instance");

            using PlacementClient client = Client();
            Assert.True(await client.RevertMoveAsync(Guid.Parse(instance), CancellationToken.None));
            Dictionary<string, Dictionary<string, int>> held = await HeldAsync(instance);
            Assert.Equal(2, held.Count);
            Assert.Equal(1, held[source][Class]);
            Assert.Equal(2, held[compute]["VCPU"]);
            Assert.Empty(await HeldAsync(MigrationOf(instance)));
            Assert.False(await client.RevertMoveAsync(Guid.Parse(instance), CancellationToken.None)); // reverted already

            await SyncedHost.EventuallyAsync(() => HeldByAsync(b, "1-1", null, "available"), "host b frees its key when the allocation goes back");
            Assert.True(await HeldByAsync(a, "1-1", instance, "reserved"), "host a never let it go");
            Assert.Equal(0, await ReservedAsync(source));
        }
    }

    [Fact]
    public async Task A_write_to_the_instance_between_the_read_and_the_move_is_read_again_and_the_move_retried()
    {
        string source = await ProviderAsync(Class, 1), destination = await ProviderAsync(Class, 1), compute = await ProviderAsync("VCPU", 8);
        string instance = Guid.NewGuid().ToString();
        await AllocateAsync(instance, source, compute);
        using var proxy = new RecordingProxy(_placement.Url);
        int raced = 0;
        proxy.Before = async (method, path) =>
        {
            if (method == "POST" && path == "/allocations" && Interlocked.Increment(ref raced) == 1)
            {
                // Someone else (Nova's resource tracker healing the instance, say) writes the instance's allocations: its generation moves.
                long generation = (await _placement.GetAsync($"/allocations/{instance}"))["consumer_generation"]!.GetValue<long>();
                string body = Allocations(source, 1, compute, 4, generation);
                (await _placement.SendAsync(HttpMethod.Put, $"/allocations/{instance}", body)).EnsureSuccessStatusCode();
            }
        };

        using PlacementClient client = Client(proxy.Url);
        Assert.NotNull(await client.MoveAsync(Guid.Parse(instance), Guid.Parse(destination), Class, CancellationToken.None));

        RecordingProxy.Seen[] posts = [.. proxy.Requests.Where(r => r.Method == "POST")];
        Assert.Equal([409, 204], posts.Select(p => p.Status));
        Assert.Contains("placement.concurrent_update", posts[0].Answer);
        Dictionary<string, Dictionary<string, int>> held = await HeldAsync(instance);
        Assert.Equal(1, held[destination][Class]);
        Assert.Equal(4, held[compute]["VCPU"]); // the concurrent write kept, not overwritten by the stale read
        Assert.Equal(1, (await HeldAsync(MigrationOf(instance)))[source][Class]);
    }

    [Fact]
    public async Task A_move_Placement_cannot_make_says_why_and_an_unreachable_Placement_is_told_apart()
    {
        string source = await ProviderAsync(Class, 1), destination = await ProviderAsync(Class, 1), compute = await ProviderAsync("VCPU", 8);
        string instance = Guid.NewGuid().ToString(), other = Guid.NewGuid().ToString();
        await AllocateAsync(instance, source, compute);
        await AllocateAsync(other, destination, compute); // the destination's device taken meanwhile

        using (PlacementClient client = Client())
        {
            PlacementException refused = await Assert.ThrowsAsync<PlacementException>(() => client.MoveAsync(Guid.Parse(instance), Guid.Parse(destination), Class, CancellationToken.None));
            Assert.Equal(PlacementFailure.Conflict, refused.Failure);
            Assert.Contains($"Placement refused to move the {Class} allocation of instance {instance} from provider {source} to provider {destination}", refused.Message);
            Assert.Contains("allocated to another consumer", refused.Message);
            Assert.Equal(1, (await HeldAsync(instance))[source][Class]); // nothing half done
            Assert.Empty(await HeldAsync(MigrationOf(instance)));

            // Nothing of the class anywhere: not scheduled by Placement, nothing to move.
            Assert.Null(await client.MoveAsync(Guid.NewGuid(), Guid.Parse(destination), Class, CancellationToken.None));
        }

        // Placement down: Unreachable, which the service defers (the migration goes on; the move is retried in its loop).
        _placement.Stop();
        using PlacementClient down = Client();
        PlacementException unreachable = await Assert.ThrowsAsync<PlacementException>(() => down.MoveAsync(Guid.Parse(instance), Guid.Parse(destination), Class, CancellationToken.None));
        Assert.Equal(PlacementFailure.Unreachable, unreachable.Failure);
        Assert.False(unreachable.NeedsOperator);
    }
}
