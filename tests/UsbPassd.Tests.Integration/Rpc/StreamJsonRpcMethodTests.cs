using System.Text;
using System.Threading.Channels;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;
using UsbPassd.Protocol.StreamJsonRpc;
using UsbPassd.Tests.Integration.Libvirt;

namespace UsbPassd.Tests.Integration.Rpc;

/// <summary>
/// A .NET orchestrator's client, StreamJsonRpc 2.26 through <see cref="UsbPassdRpc"/>, calls every
/// method of the real daemon (this machine's libvirtd, a shut-off domain) through the typed
/// <see cref="IUsbPassd"/> proxy and receives the notifications: wire compatibility shown, not claimed.
/// The error codes are in <see cref="StreamJsonRpcErrorTests"/>.
/// </summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class StreamJsonRpcMethodTests(StreamJsonRpcFixture daemon) : IClassFixture<StreamJsonRpcFixture>
{
    [Fact]
    public async Task The_read_methods_answer_with_the_protocols_records()
    {
        using UsbPassdRpcConnection c = await daemon.AttachAsync();
        IUsbPassd usbpassd = c.Proxy;

        HostInfo host = await usbpassd.HostInfoAsync();
        Assert.Equal((daemon.Pid, "connected"), (host.Pid, host.Libvirt));
        Assert.Equal(2, host.DevicesByStatus["available"]);
        Assert.Equal(2, host.DevicesByStatus["blocked"]); // the root hub and the hub at 1-5

        DeviceRecord[] keys = await usbpassd.DevicesListAsync(vendorId: StreamJsonRpcFixture.Vendor, status: "available");
        Assert.Equal(["1-1", "1-2"], keys.Select(d => d.PortId).Order());
        DeviceRecord key = keys.Single(d => d.PortId == "1-1");
        Assert.Equal((StreamJsonRpcFixture.DevId("1-1"), "usb_1_2", (long?)1, (long?)2), (key.DevId, key.Address, key.BusId, key.DeviceId));
        Assert.Equal(("Test key", "ff"), (key.Info!.Product, Assert.Single(key.Info.Interfaces).Class));
        Assert.Equal(4, (await usbpassd.DevicesListAsync(includeDeleted: true)).Length);

        Assert.Equal(Json(key), Json(await usbpassd.DevicesGetAsync(portId: "1-1")));
        Assert.Equal(Json(key), Json(await usbpassd.DevicesGetAsync(id: key.Id)));
        Assert.Equal(Json(key), Json(await usbpassd.DevicesGetAsync(devId: key.DevId)));
        Assert.Equal("1-2", (await usbpassd.DevicesGetAsync(address: "usb_1_3")).PortId);

        Assert.Contains("usbpassd_libvirt_connected 1", (await usbpassd.MetricsGetAsync()).Text.Split('\n'));
        Assert.Empty(await usbpassd.InstancesDevicesAsync(daemon.Domain));

        PolicyCheckResult allowed = await usbpassd.PolicyCheckAsync("1-1");
        Assert.Equal((true, "allowed", "1-1"), (allowed.Allowed, allowed.Verdict, allowed.Device.PortId));
        Assert.StartsWith("rule 1", allowed.Rule, StringComparison.Ordinal);
        PolicyCheckResult hub = await usbpassd.PolicyCheckAsync("1-5");
        Assert.False(hub.Allowed);
        Assert.Contains("hub", hub.Reason, StringComparison.Ordinal);

        PolicyShowResult shown = await usbpassd.PolicyShowAsync();
        Assert.Equal(1, shown.Rules);
        Assert.EndsWith("policy.rules", shown.PolicyFile, StringComparison.Ordinal);
        Assert.Contains(StreamJsonRpcFixture.Policy.Trim(), shown.Text, StringComparison.Ordinal);
        PolicyReloadResult reloaded = await usbpassd.PolicyReloadAsync();
        Assert.Equal(1, reloaded.Rules);
        Assert.Contains("allow", reloaded.Default, StringComparison.Ordinal);
        Assert.Empty(reloaded.OwnedButRefused);

        Assert.True((await usbpassd.HookQemuAsync(daemon.DomainUuid, "started", "begin")).Allowed);
        string noHostdevs = Convert.ToBase64String(Encoding.UTF8.GetBytes("<domain><devices></devices></domain>"));
        Assert.True((await usbpassd.HookQemuAsync(daemon.DomainUuid, "prepare", "begin", noHostdevs)).Allowed);
    }

    [Fact]
    public async Task The_history_is_read_page_by_page_back_to_its_start()
    {
        using UsbPassdRpcConnection c = await daemon.AttachAsync();
        HistoryPage all = await c.Proxy.HistoryListAsync(device: "1-1");
        Assert.Null(all.NextBeforeId);
        Assert.Contains(all.Entries, e => e.Kind == "added" && e.DevId == StreamJsonRpcFixture.DevId("1-1"));

        List<HistoryRecord> paged = [];
        for (long? before = null; ;)
        {
            HistoryPage page = await c.Proxy.HistoryListAsync(device: "1-1", limit: 1, beforeId: before);
            paged.InsertRange(0, page.Entries);
            if ((before = page.NextBeforeId) is null)
            {
                break;
            }
        }

        Assert.Equal(all.Entries.Select(e => e.Id), paged.Select(e => e.Id));
    }

    [Fact]
    public async Task Reserve_release_attach_swap_and_detach_change_the_owner_as_asked()
    {
        using UsbPassdRpcConnection c = await daemon.AttachAsync();
        IUsbPassd usbpassd = c.Proxy;

        AssignmentResult reserved = await usbpassd.DevicesReserveAsync("1-1", daemon.DomainUuid, ttlSeconds: 600);
        Assert.Equal(("reserved", daemon.DomainUuid, "reserved"), (reserved.State, reserved.InstanceUuid, reserved.Device.Status));
        Assert.NotNull(reserved.ExpiresAt);
        Assert.StartsWith("ua-usbpassd-", reserved.Alias, StringComparison.Ordinal);
        Assert.Equal("available", (await usbpassd.DevicesReleaseAsync("1-1", daemon.DomainUuid)).Device.Status);

        long token = (await usbpassd.DevicesReserveAsync(StreamJsonRpcFixture.DevId("1-1"), daemon.DomainUuid)).Token!.Value;
        AssignmentResult attached = await usbpassd.DevicesAttachAsync("1-1", daemon.Domain, mode: "config", missingPolicy: "optional", token: token);
        Assert.Equal(("attached", "attached"), (attached.State, attached.Device.Status));
        Assert.Contains(attached.Alias!, LocalLibvirt.Shell($"virsh -c qemu:///system dumpxml --inactive {daemon.Domain}"), StringComparison.Ordinal);
        Assert.Equal(["1-1"], (await usbpassd.InstancesDevicesAsync(daemon.DomainUuid)).Select(d => d.PortId));

        AssignmentResult swapped = await usbpassd.DevicesSwapAsync(daemon.Domain, "1-1", "1-2", mode: "config");
        Assert.Equal(("1-2", "attached"), (swapped.Device.PortId, swapped.State));
        Assert.Equal("available", (await usbpassd.DevicesGetAsync(portId: "1-1")).Status);
        Assert.Equal(["1-2"], (await usbpassd.InstancesDevicesAsync(daemon.Domain)).Select(d => d.PortId));

        AssignmentResult detached = await usbpassd.DevicesDetachAsync("1-2", daemon.Domain);
        Assert.Equal(("available", null), (detached.Device.Status, detached.State));
        Assert.DoesNotContain("ua-usbpassd", LocalLibvirt.Shell($"virsh -c qemu:///system dumpxml --inactive {daemon.Domain}"), StringComparison.Ordinal);

        string[] kinds = [.. (await usbpassd.HistoryListAsync(instance: daemon.Domain)).Entries.Select(e => e.Kind)];
        Assert.Contains("attached", kinds);
        Assert.Contains("released", kinds);
    }

    [Fact]
    public async Task A_subscriber_is_told_of_devices_added_changed_and_removed()
    {
        var notifications = new DeviceNotifications();
        using UsbPassdRpcConnection c = await daemon.AttachAsync(notifications);
        SubscribeResult subscribed = await c.Proxy.EventsSubscribeAsync();
        Assert.Equal([Methods.Notifications.DeviceAdded, Methods.Notifications.DeviceRemoved, Methods.Notifications.DeviceChanged], subscribed.Events);

        await daemon.PlugAsync("1-3", 4);
        DeviceEvent added = await NextAsync(notifications, Methods.Notifications.DeviceAdded, "1-3");
        Assert.Equal((StreamJsonRpcFixture.DevId("1-3"), "available", "usb_1_4", (long?)null), (added.Device.DevId, added.Device.Status, added.Device.Address, added.ReplacesId));

        // Owned and unplugged: the row stays, missing.
        await c.Proxy.DevicesReserveAsync("1-3", daemon.DomainUuid);
        Assert.Equal("reserved", (await NextAsync(notifications, Methods.Notifications.DeviceChanged, "1-3")).Device.Status);
        await daemon.UnplugAsync("1-3");
        DeviceEvent missing = await NextAsync(notifications, Methods.Notifications.DeviceChanged, "1-3");
        Assert.Equal((added.Device.Id, "missing", false, daemon.DomainUuid), (missing.Device.Id, missing.Device.Status, missing.Device.Present, missing.Device.InstanceUuid));

        // Back with another device number: a new row replaces it, the reservation follows.
        await daemon.PlugAsync("1-3", 7);
        Assert.Equal(added.Device.Id, (await NextAsync(notifications, Methods.Notifications.DeviceRemoved, "1-3")).Device.Id);
        DeviceEvent back = await NextAsync(notifications, Methods.Notifications.DeviceAdded, "1-3");
        Assert.Equal((added.Device.Id, "usb_1_7", "reserved", daemon.DomainUuid), (back.ReplacesId, back.Device.Address, back.Device.Status, back.Device.InstanceUuid));

        await c.Proxy.DevicesReleaseAsync("1-3", daemon.DomainUuid);
        await daemon.UnplugAsync("1-3");
        DeviceEvent removed = await NextAsync(notifications, Methods.Notifications.DeviceRemoved, "1-3");
        Assert.Equal((back.Device.Id, true), (removed.Device.Id, removed.Device.Deleted));
    }

    [Fact]
    public async Task A_subscriber_is_told_when_a_device_changes_owner()
    {
        var notifications = new DeviceNotifications();
        using UsbPassdRpcConnection c = await daemon.AttachAsync(notifications);
        await c.Proxy.EventsSubscribeAsync();
        await c.Proxy.DevicesReserveAsync("1-1", daemon.DomainUuid);
        try
        {
            DeviceEvent changed = await NextAsync(notifications, Methods.Notifications.DeviceChanged, "1-1");
            Assert.Equal(("reserved", daemon.DomainUuid), (changed.Device.Status, changed.Device.InstanceUuid));
        }
        finally
        {
            await c.Proxy.DevicesReleaseAsync("1-1", daemon.DomainUuid);
        }

        DeviceEvent released = await NextAsync(notifications, Methods.Notifications.DeviceChanged, "1-1");
        Assert.Equal(("available", (string?)null), (released.Device.Status, released.Device.InstanceUuid));
    }

    [Fact]
    public async Task A_subscriber_is_told_each_step_of_an_attach_and_a_detach_before_the_answer()
    {
        var notifications = new DeviceNotifications();
        using UsbPassdRpcConnection c = await daemon.AttachAsync(notifications);
        await c.Proxy.EventsSubscribeAsync();

        Assert.Equal("attached", (await c.Proxy.DevicesAttachAsync("1-2", daemon.Domain)).State);
        try
        {
            // The claim, then libvirt's yes; the read model already shows it when the answer comes.
            Assert.Equal(("attaching", daemon.DomainUuid), Owner(await NextAsync(notifications, Methods.Notifications.DeviceChanged, "1-2")));
            Assert.Equal(("attached", daemon.DomainUuid), Owner(await NextAsync(notifications, Methods.Notifications.DeviceChanged, "1-2")));
            Assert.Equal("attached", (await c.Proxy.DevicesGetAsync(portId: "1-2")).Status);
        }
        finally
        {
            await c.Proxy.DevicesDetachAsync("1-2", daemon.Domain);
        }

        Assert.Equal(("detaching", daemon.DomainUuid), Owner(await NextAsync(notifications, Methods.Notifications.DeviceChanged, "1-2")));
        Assert.Equal(("available", (string?)null), Owner(await NextAsync(notifications, Methods.Notifications.DeviceChanged, "1-2")));
        Assert.Equal("available", (await c.Proxy.DevicesGetAsync(portId: "1-2")).Status);

        static (string, string?) Owner(DeviceEvent e) => (e.Device.Status, e.Device.InstanceUuid);
    }

    private static string Json(DeviceRecord device) => System.Text.Json.JsonSerializer.Serialize(device, ProtocolJson.Default.DeviceRecord);

    /// <summary>The next notification of <paramref name="method"/> about the device at <paramref name="port"/> (60 s at most, then the test fails).</summary>
    internal static async Task<DeviceEvent> NextAsync(DeviceNotifications notifications, string method, string port)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            DeviceNotification n = await notifications.Reader.ReadAsync(patience.Token);
            if (n.Method == method && n.Event.Device.PortId == port)
            {
                return n.Event;
            }
        }
    }
}
