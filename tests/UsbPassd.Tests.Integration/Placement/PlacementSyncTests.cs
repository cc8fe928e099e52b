using Xunit.Abstractions;
using System.Text.Json.Nodes;

namespace UsbPassd.Tests.Integration.Placement;

/// <summary>
/// The sync against a real Placement (one per class), through a proxy that counts the requests: the
/// made-up host's keys become child providers of the root with their class, traits and inventory;
/// hubs and blocked devices never do; replug, renumbering and restarts keep the provider; unplug makes
/// it unavailable; a generation that moved behind the daemon's back is read again and the write retried.
/// </summary>
public sealed class PlacementSyncTests : IDisposable
{
    private const string Class = "CUSTOM_USB_46F4_0001";
    private readonly PlacementServer _placement = new();
    private readonly RecordingProxy _proxy;

    private readonly ITestOutputHelper _output;

    public PlacementSyncTests(ITestOutputHelper output)
    {
        _output = output;
        _proxy = new RecordingProxy(_placement.Url);
    }

    public void Dispose()
    {
        _proxy.Dispose();
        _placement.Dispose();
    }

    private string Section => $$"""{ "endpoint": "{{_proxy.Url}}", "token": "admin", "root_provider_name": "ROOT", "device_traits": { "46f4:0001:KEY-1-2": ["licence key"] } }""";

    private async Task<int> ReservedAsync(string uuid) => (await _placement.InventoriesAsync(uuid))[Class]!["reserved"]!.GetValue<int>();

    [Fact]
    public async Task The_keys_become_child_providers_with_class_traits_and_inventory_and_the_hub_does_not()
    {
        using var host = new SyncedHost(Section);
        host.Start();
        await host.WaitForLogAsync("placement: in sync");

        Dictionary<string, JsonNode> children = await _placement.ChildrenAsync(host.RootName);
        Assert.Equal([.. new[] { host.Uuid(SyncedHost.DevId("1-1")), host.Uuid(SyncedHost.DevId("1-2")) }.Order()], children.Keys.Order());
        foreach (string uuid in children.Keys)
        {
            JsonObject inventories = await _placement.InventoriesAsync(uuid);
            Assert.Equal(1, inventories[Class]!["total"]!.GetValue<int>());
            Assert.Equal(1, inventories[Class]!["max_unit"]!.GetValue<int>());
            Assert.Equal(0, await ReservedAsync(uuid));
        }

        string[] traits = await _placement.TraitsAsync(host.Uuid(SyncedHost.DevId("1-2")));
        Assert.Equal(["CUSTOM_LICENCE_KEY", "CUSTOM_USBPASSD_DEVICE", "CUSTOM_USB_CLASS_08"], traits.Where(t => !t.Contains("_H", StringComparison.Ordinal)));
        Assert.Single(traits, t => t.StartsWith("CUSTOM_USB_SERIAL_KEY_1_2_H", StringComparison.Ordinal)); // '-' is not allowed: cleaned, and a hash keeps it unique
        Assert.Single(traits, t => t.StartsWith("CUSTOM_USB_LABEL_TEST_KEYS_H", StringComparison.Ordinal));

        JsonNode info = (await host.AskAsync("host.info", "{}"))["result"]!["placement"]!;
        Assert.Equal("connected", info["state"]!.GetValue<string>());
        Assert.Equal(2, info["providers"]!.GetValue<int>());
        Assert.Equal(0, info["pending"]!.GetValue<int>());
        Assert.Equal(host.RootName, info["root_provider"]!.GetValue<string>());

        // A scheduler finds this very key by its serial's trait.
        string serial = traits.Single(t => t.StartsWith("CUSTOM_USB_SERIAL_", StringComparison.Ordinal));
        JsonNode candidates = await _placement.GetAsync($"/allocation_candidates?resources1={Class}:1&required1={serial}");
        Assert.Equal(host.Uuid(SyncedHost.DevId("1-2")), Assert.Single(candidates["allocation_requests"]!.AsArray())!["allocations"]!.AsObject().Single().Key);
    }

    [Fact]
    public async Task A_recorded_host_costs_at_most_3_requests_per_device_then_none_per_unchanged_device_on_restart()
    {
        using var host = new SyncedHost(Section, recorded: 31); // root hubs and 30 devices recorded from real hardware (hubs among them)
        host.Start();
        await host.WaitForLogAsync("placement: in sync");

        JsonArray devices = await host.DevicesAsync();
        int offered = devices.Count(d => d!["status"]!.GetValue<string>() == "available" && !d["info"]!["is_hub"]!.GetValue<bool>());
        Dictionary<string, JsonNode> children = await _placement.ChildrenAsync(host.RootName);
        Assert.True(offered >= 5, $"only {offered} offered devices in the recorded host");
        Assert.Equal(offered, children.Count);
        foreach (string uuid in children.Keys)
        {
            RecordingProxy.Seen[] mine = [.. _proxy.Requests.Where(r => r.Path.Contains(uuid, StringComparison.Ordinal) || r.Body.Contains(uuid, StringComparison.Ordinal))];
            Assert.True(mine.Length is >= 1 and <= 3, string.Join("\n", mine.Select(r => $"{r.Method} {r.Path} {r.Body} -> {r.Status}")) + "\n" + string.Join("\n", host.Log));
        }

        int shared = _proxy.Requests.Count(r => !children.Keys.Any(u => r.Path.Contains(u, StringComparison.Ordinal) || r.Body.Contains(u, StringComparison.Ordinal)));
        _output.WriteLine(string.Join(", ", devices.GroupBy(d => d!["status"]!.GetValue<string>() + (d!["info"]!["is_hub"]!.GetValue<bool>() ? " hub" : "")).Select(g => $"{g.Count()} {g.Key}")));
        _output.WriteLine($"initial sync: {devices.Count} devices, {children.Count} providers, {_proxy.Requests.Count} requests ({_proxy.Requests.Count - shared} per-device, {shared} shared: version, root, tree, custom traits and classes)");

        host.Stop();
        _proxy.Requests.Clear();
        host.Start();
        await host.WaitForLogAsync("placement: in sync");
        _output.WriteLine($"restart: {_proxy.Requests.Count} requests: {string.Join(", ", _proxy.Requests.Select(r => r.Method + " " + r.Path))}");
        Assert.Equal(3, _proxy.Requests.Count); // GET /, the root, the tree: none per device
    }

    [Fact]
    public async Task The_shipped_native_build_syncs_the_same_way()
    {
        using var host = new SyncedHost(Section) { Shipped = true }; // every JSON shape through the source-generated contexts
        host.Start();
        await host.WaitForLogAsync("placement: in sync");

        string uuid = host.Uuid(SyncedHost.DevId("1-2"));
        Assert.Equal(2, (await _placement.ChildrenAsync(host.RootName)).Count);
        Assert.Equal(0, await ReservedAsync(uuid));
        Assert.Contains("CUSTOM_LICENCE_KEY", await _placement.TraitsAsync(uuid));
    }

    [Fact]
    public async Task A_device_reserved_here_for_an_instance_placement_does_not_know_is_unavailable_until_released()
    {
        using var host = new SyncedHost(Section);
        host.Start();
        await host.WaitForLogAsync("placement: in sync");
        string uuid = host.Uuid(SyncedHost.DevId("1-1"));
        string instance = Guid.NewGuid().ToString();

        JsonNode reserved = await host.AskAsync("devices.reserve", $$"""{"device": "1-1", "instance_uuid": "{{instance}}"}""");
        Assert.Null(reserved["error"]);
        await SyncedHost.EventuallyAsync(async () => await ReservedAsync(uuid) == 1, "the reserved key is unavailable in Placement");

        Assert.Null((await host.AskAsync("devices.release", $$"""{"device": "1-1", "instance_uuid": "{{instance}}"}"""))["error"]);
        await SyncedHost.EventuallyAsync(async () => await ReservedAsync(uuid) == 0, "the released key is available again");
    }

    [Fact]
    public async Task An_allocated_device_unplugged_keeps_its_provider_and_its_allocation_made_unavailable()
    {
        using var host = new SyncedHost(Section);
        host.Start();
        await host.WaitForLogAsync("placement: in sync");
        string uuid = host.Uuid(SyncedHost.DevId("1-1"));
        string consumer = Guid.NewGuid().ToString();
        string allocation = "{\"allocations\": {\"" + uuid + "\": {\"resources\": {\"" + Class + "\": 1}}}, \"project_id\": \"" + Guid.NewGuid() + "\", \"user_id\": \""
            + Guid.NewGuid() + "\", \"consumer_generation\": null, \"consumer_type\": \"INSTANCE\"}";
        (await _placement.SendAsync(HttpMethod.Put, $"/allocations/{consumer}", allocation)).EnsureSuccessStatusCode();

        await host.UnplugAsync("1-1");
        await SyncedHost.EventuallyAsync(async () => await ReservedAsync(uuid) == 1, "the allocated, unplugged key is unavailable");

        Assert.Contains(uuid, (await _placement.ChildrenAsync(host.RootName)).Keys);
        Assert.Contains(uuid, (await _placement.GetAsync($"/allocations/{consumer}"))["allocations"]!.AsObject().Select(a => a.Key));
    }

    [Fact]
    public async Task A_provider_someone_deleted_is_created_again_at_the_next_start()
    {
        using var host = new SyncedHost(Section);
        host.Start();
        await host.WaitForLogAsync("placement: in sync");
        string uuid = host.Uuid(SyncedHost.DevId("1-1"));
        host.Stop();
        (await _placement.SendAsync(HttpMethod.Delete, $"/resource_providers/{uuid}")).EnsureSuccessStatusCode();

        host.Start();
        await host.WaitForLogAsync("placement: in sync");

        Assert.Equal(0, await ReservedAsync(uuid));
        Assert.Contains("CUSTOM_USBPASSD_DEVICE", await _placement.TraitsAsync(uuid));
    }

    [Fact]
    public async Task A_blocked_device_gets_no_provider()
    {
        using var host = new SyncedHost(Section, policy: "block serial \"KEY-1-2\"\nallow id 46f4:* label \"test keys\"\n");
        host.Start();
        await host.WaitForLogAsync("placement: in sync");

        Assert.Equal([host.Uuid(SyncedHost.DevId("1-1"))], (await _placement.ChildrenAsync(host.RootName)).Keys);
    }

    [Fact]
    public async Task Unplugged_the_provider_stays_unavailable_and_replugged_on_another_port_it_is_the_same_provider_again()
    {
        using var host = new SyncedHost(Section);
        host.Start();
        await host.WaitForLogAsync("placement: in sync");
        string uuid = host.Uuid(SyncedHost.DevId("1-1"));

        int before = _proxy.Requests.Count;
        await host.UnplugAsync("1-1");
        await SyncedHost.EventuallyAsync(async () => await ReservedAsync(uuid) == 1, "the unplugged key's provider is reserved");
        Assert.Contains(uuid, (await _placement.ChildrenAsync(host.RootName)).Keys); // not deleted
        Assert.Equal($"PUT /resource_providers/{uuid}/inventories", Assert.Single(_proxy.Requests.Skip(before), r => r.Method != "GET").Method + " " + _proxy.Requests.Skip(before).First(r => r.Method != "GET").Path); // one request for the change

        before = _proxy.Requests.Count;
        await host.PlugAsync("1-3", 7, serial: "KEY-1-1"); // the same key, another port, another number
        await SyncedHost.EventuallyAsync(async () => await ReservedAsync(uuid) == 0, "the replugged key's provider is available");
        Assert.Equal(2, (await _placement.ChildrenAsync(host.RootName)).Count);
        Assert.DoesNotContain(_proxy.Requests.Skip(before), r => r.Method == "POST"); // the same provider
    }

    [Fact]
    public async Task A_restart_costs_no_request_per_unchanged_device_and_a_renumbered_device_keeps_its_provider()
    {
        using var host = new SyncedHost(Section);
        host.Start();
        await host.WaitForLogAsync("placement: in sync");
        Dictionary<string, JsonNode> first = await _placement.ChildrenAsync(host.RootName);
        host.Stop();

        // Renumbered while usbpassd was down: another bus number for the key at 1-1.
        File.WriteAllText($"{host.SysfsRoot}{SyncedHost.Controller}/usb1/1-1/devnum", "42\n");
        _proxy.Requests.Clear();
        host.Start();
        await host.WaitForLogAsync("placement: in sync");

        Assert.Equal(first.Keys.Order(), (await _placement.ChildrenAsync(host.RootName)).Keys.Order());
        Assert.Equal(["GET /", $"GET /resource_providers?name={host.RootName}", "GET /resource_providers?in_tree="], _proxy.Requests.Select(r => $"{r.Method} {(r.Path.Contains("in_tree", StringComparison.Ordinal) ? r.Path[..r.Path.IndexOf('=', StringComparison.Ordinal)] + "=" : r.Path)}"));
    }

    [Fact]
    public async Task A_generation_moved_behind_the_daemons_back_is_read_again_and_the_write_retried()
    {
        using var host = new SyncedHost(Section);
        string target = host.Uuid(SyncedHost.DevId("1-1"));
        long? moved = null;
        _proxy.Before = async (method, path) =>
        {
            if (moved is null && method == "PUT" && path == $"/resource_providers/{target}/inventories")
            {
                // Someone else writes the provider first, at the generation Placement holds now: it moves by one.
                long generation = (await _placement.GetAsync($"/resource_providers/{target}"))["generation"]!.GetValue<long>();
                (await _placement.SendAsync(HttpMethod.Put, "/traits/CUSTOM_INTRUDER")).EnsureSuccessStatusCode();
                (await _placement.SendAsync(HttpMethod.Put, $"/resource_providers/{target}/traits", $$"""{"resource_provider_generation": {{generation}}, "traits": ["CUSTOM_INTRUDER"]}""")).EnsureSuccessStatusCode();
                moved = generation + 1;
            }
        };
        host.Start();
        await host.WaitForLogAsync("placement: in sync");

        Assert.True(_proxy.Faults.IsEmpty, "the proxy faulted: " + string.Join("\n", _proxy.Faults));
        Assert.NotNull(moved);
        RecordingProxy.Seen[] puts = [.. _proxy.Requests.Where(r => r.Method == "PUT" && r.Path == $"/resource_providers/{target}/inventories")];
        Assert.True(puts.Length == 2, string.Join('\n', puts.Select(p => $"{p.Body} -> {p.Status}")) + "\n" + string.Join('\n', host.Log));
        Assert.Equal(409, puts[0].Status); // at the generation the daemon knew
        Assert.Contains("placement.concurrent_update", puts[0].Answer, StringComparison.Ordinal);
        Assert.Equal((200, moved), (puts[1].Status, (long?)System.Text.Json.Nodes.JsonNode.Parse(puts[1].Body)!["resource_provider_generation"]!.GetValue<long>())); // read again, retried at the moved one
        Assert.Equal(0, await ReservedAsync(target));
        Assert.DoesNotContain("CUSTOM_INTRUDER", await _placement.TraitsAsync(target));
        Assert.DoesNotContain(host.Log, l => l.Contains("not synced", StringComparison.Ordinal) || l.Contains("placement: lost", StringComparison.Ordinal));
    }
}
