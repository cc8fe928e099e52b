using System.Text.Json.Nodes;

namespace UsbPassd.Tests.Integration.Placement;

/// <summary>
/// The sync against a real Placement (one per class), through a proxy that counts the requests: the
/// made-up host's keys become child providers of the root with their class, traits and inventory;
/// hubs never do; replug, renumbering and restarts keep the provider; unplug makes it unavailable.
/// </summary>
public sealed class PlacementSyncTests : IDisposable
{
    private readonly PlacementServer _placement = new();
    private readonly RecordingProxy _proxy;

    public PlacementSyncTests() => _proxy = new RecordingProxy(_placement.Url);

    public void Dispose()
    {
        _proxy.Dispose();
        _placement.Dispose();
    }

    private string Section => $$"""{ "endpoint": "{{_proxy.Url}}", "token": "admin", "root_provider_name": "ROOT" }""";

    [Fact]
    public async Task The_keys_become_child_providers_with_class_traits_and_inventory_and_the_hub_does_not()
    {
        using var host = new SyncedHost(Section);
        host.Start();
        await host.WaitForLogAsync("placement: in sync");

        Dictionary<string, JsonNode> children = await _placement.ChildrenAsync(host.RootName);
        Assert.Equal([host.Uuid(SyncedHost.DevId("1-1")), host.Uuid(SyncedHost.DevId("1-2"))], children.Keys.Order());
        foreach (string uuid in children.Keys)
        {
            JsonObject inventories = await _placement.InventoriesAsync(uuid);
            Assert.Equal(1, inventories["CUSTOM_USB_46F4_0001"]!["total"]!.GetValue<int>());
            Assert.Equal(0, inventories["CUSTOM_USB_46F4_0001"]!["reserved"]!.GetValue<int>());
        }

        Assert.Equal(
            ["CUSTOM_USBPASSD_DEVICE", "CUSTOM_USB_CLASS_08", "CUSTOM_USB_LABEL_TEST_KEYS_H", "CUSTOM_USB_SERIAL_KEY_1_1_H"],
            (await _placement.TraitsAsync(host.Uuid(SyncedHost.DevId("1-1")))).Select(t => t.Contains("_H", StringComparison.Ordinal) ? t[..(t.IndexOf("_H", StringComparison.Ordinal) + 2)] : t));
    }
}
