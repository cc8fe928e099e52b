using System.Text;
using System.Text.Json.Nodes;

namespace UsbPassd.Tests.Integration.Placement;

/// <summary>
/// Allocations honoured, against a real Placement and the real daemon: an allocation written by a
/// scheduler reserves the device for its consumer (found by the poll, or at once by the hook's
/// <c>prepare begin</c>), its deletion releases it; an allocation on a device another instance holds
/// here is a conflict: the ledger is kept, the device unavailable in Placement, the start refused.
/// </summary>
public sealed class PlacementAllocationTests : IDisposable
{
    private const string Class = "CUSTOM_USB_46F4_0001";
    private readonly PlacementServer _placement = new();

    public void Dispose() => _placement.Dispose();

    private async Task<SyncedHost> StartedAsync(int pollSeconds)
    {
        var host = new SyncedHost($$"""{ "endpoint": "{{_placement.Url}}", "token": "admin", "root_provider_name": "ROOT", "poll_seconds": {{pollSeconds}} }""");
        host.Start();
        await host.WaitForLogAsync("placement: in sync");
        return host;
    }

    private async Task AllocateAsync(string consumer, string provider)
    {
        string body = "{\"allocations\": {\"" + provider + "\": {\"resources\": {\"" + Class + "\": 1}}}, \"project_id\": \"" + Guid.NewGuid() + "\", \"user_id\": \""
            + Guid.NewGuid() + "\", \"consumer_generation\": null, \"consumer_type\": \"INSTANCE\"}";
        HttpResponseMessage answer = await _placement.SendAsync(HttpMethod.Put, $"/allocations/{consumer}", body);
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
    }

    private async Task<int> ReservedAsync(string uuid) => (await _placement.InventoriesAsync(uuid))[Class]!["reserved"]!.GetValue<int>();

    private static async Task<JsonNode> DeviceAsync(SyncedHost host, string port) =>
        (await host.DevicesAsync()).Single(d => d!["port_id"]!.GetValue<string>() == port)!;

    private static async Task<bool> HeldByAsync(SyncedHost host, string port, string? instance, string status)
    {
        JsonNode d = await DeviceAsync(host, port);
        return d["status"]!.GetValue<string>() == status && d["instance_uuid"]?.GetValue<string>() == instance;
    }

    private static Task<JsonNode> HookAsync(SyncedHost host, string domainUuid) =>
        host.AskAsync("hook.qemu", $$"""{"domain_uuid": "{{domainUuid}}", "operation": "prepare", "sub_operation": "begin", "xml_base64": "{{Convert.ToBase64String(Encoding.UTF8.GetBytes("<domain><devices/></domain>"))}}"}""");

    [Fact]
    public async Task An_allocation_reserves_the_device_for_its_consumer_and_its_deletion_frees_it()
    {
        using SyncedHost host = await StartedAsync(pollSeconds: 1);
        string provider = host.Uuid(SyncedHost.DevId("1-1"));
        string consumer = Guid.NewGuid().ToString();

        await AllocateAsync(consumer, provider);
        await SyncedHost.EventuallyAsync(() => HeldByAsync(host, "1-1", consumer, "reserved"), "the allocated key is reserved for its consumer");
        await host.WaitForLogAsync($"reserved for instance {consumer}");
        Assert.Equal(0, await ReservedAsync(provider)); // the allocation, not the inventory, makes it unavailable
        JsonNode info = (await host.AskAsync("host.info", "{}"))["result"]!["placement"]!;
        Assert.Equal(1, info["allocated"]!.GetValue<int>());
        Assert.Equal(0, info["conflicts"]!.GetValue<int>());

        // Reserved by Placement's word, not by a caller here: a release from here is the caller's to make, but the allocation's end frees it.
        (await _placement.SendAsync(HttpMethod.Delete, $"/allocations/{consumer}", null)).EnsureSuccessStatusCode();
        await SyncedHost.EventuallyAsync(() => HeldByAsync(host, "1-1", null, "available"), "the key is free once its allocation is deleted");
        Assert.Equal(0, await ReservedAsync(provider));
        Assert.Equal(0, (await host.AskAsync("host.info", "{}"))["result"]!["placement"]!["allocated"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_hook_finds_an_allocation_the_poll_has_not_seen_before_the_domain_starts()
    {
        using SyncedHost host = await StartedAsync(pollSeconds: 3600); // the poll would not come within the test
        string consumer = Guid.NewGuid().ToString();
        await AllocateAsync(consumer, host.Uuid(SyncedHost.DevId("1-2")));

        JsonNode answer = await HookAsync(host, consumer);
        Assert.Null(answer["error"]);
        Assert.True(await HeldByAsync(host, "1-2", consumer, "reserved"), "reserved by the time the hook answered");
    }

    [Fact]
    public async Task An_allocation_on_a_device_another_instance_holds_here_keeps_the_ledger_makes_it_unavailable_and_refuses_the_start()
    {
        using SyncedHost host = await StartedAsync(pollSeconds: 1);
        string provider = host.Uuid(SyncedHost.DevId("1-1"));
        string local = Guid.NewGuid().ToString(), scheduled = Guid.NewGuid().ToString();
        Assert.Null((await host.AskAsync("devices.reserve", $$"""{"device": "1-1", "instance_uuid": "{{local}}"}"""))["error"]);
        await SyncedHost.EventuallyAsync(async () => await ReservedAsync(provider) == 1, "the locally reserved key is unavailable");

        // A scheduler that ignores 'reserved' (an operator's forced allocation) writes one anyway: Placement takes it only below capacity, so free the inventory first as such an operator would.
        JsonObject inventories = (await _placement.GetAsync($"/resource_providers/{provider}/inventories")).AsObject();
        string put = "{\"resource_provider_generation\": " + inventories["resource_provider_generation"] + ", \"inventories\": {\"" + Class + "\": {\"total\": 1, \"reserved\": 0}}}";
        (await _placement.SendAsync(HttpMethod.Put, $"/resource_providers/{provider}/inventories", put)).EnsureSuccessStatusCode();
        await AllocateAsync(scheduled, provider);

        await host.WaitForLogAsync($"conflict: device {SyncedHost.DevId("1-1")} is allocated to {scheduled}");
        Assert.True(await HeldByAsync(host, "1-1", local, "reserved"), "local truth wins");
        await SyncedHost.EventuallyAsync(async () => await ReservedAsync(provider) == 1, "Placement is corrected: the key is unavailable");
        JsonNode info = (await host.AskAsync("host.info", "{}"))["result"]!["placement"]!;
        Assert.Equal(1, info["conflicts"]!.GetValue<int>());
        Assert.Contains(scheduled, info["problem"]!.GetValue<string>());

        JsonNode refused = await HookAsync(host, scheduled);
        Assert.Equal(1010, refused["error"]!["code"]!.GetValue<int>());
        Assert.Contains($"to instance {local} on this host", refused["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Two_hosts_share_one_Placement_and_only_the_host_that_holds_the_allocated_device_follows_it()
    {
        using SyncedHost a = await StartedAsync(pollSeconds: 1);
        using SyncedHost b = await StartedAsync(pollSeconds: 1);
        string devId = SyncedHost.DevId("1-1"); // the same made-up key (same serial) on both hosts: two devices, two providers
        Assert.NotEqual(a.Uuid(devId), b.Uuid(devId));
        Assert.Contains(b.Uuid(devId), (await _placement.ChildrenAsync(b.RootName)).Keys);
        Assert.DoesNotContain(b.Uuid(devId), (await _placement.ChildrenAsync(a.RootName)).Keys);

        string consumer = Guid.NewGuid().ToString();
        await AllocateAsync(consumer, b.Uuid(devId));
        await SyncedHost.EventuallyAsync(() => HeldByAsync(b, "1-1", consumer, "reserved"), "host b reserves its key for the consumer");
        await Task.Delay(2500); // two polls of host a
        Assert.True(await HeldByAsync(a, "1-1", null, "available"), "host a's key with the same serial stays free");
        Assert.Equal(0, (await a.AskAsync("host.info", "{}"))["result"]!["placement"]!["allocated"]!.GetValue<int>());

        (await _placement.SendAsync(HttpMethod.Delete, $"/allocations/{consumer}", null)).EnsureSuccessStatusCode();
        await SyncedHost.EventuallyAsync(() => HeldByAsync(b, "1-1", null, "available"), "host b frees it when the allocation goes");
    }

    [Fact]
    public async Task An_allocation_written_while_the_device_is_unplugged_is_followed_when_it_is_back()
    {
        using SyncedHost host = await StartedAsync(pollSeconds: 1);
        string provider = host.Uuid(SyncedHost.DevId("1-1"));
        string consumer = Guid.NewGuid().ToString();
        await AllocateAsync(consumer, provider);
        await SyncedHost.EventuallyAsync(() => HeldByAsync(host, "1-1", consumer, "reserved"), "reserved");
        await host.UnplugAsync("1-1");
        await SyncedHost.EventuallyAsync(async () => await ReservedAsync(provider) == 1, "unplugged: unavailable");

        await host.PlugAsync("1-1", 7);
        await SyncedHost.EventuallyAsync(async () => await ReservedAsync(provider) == 0, "back: the allocation accounts for it again");
        Assert.True(await HeldByAsync(host, "1-1", consumer, "reserved"), "still held for the consumer");
    }
}
