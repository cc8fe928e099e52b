using UsbPassd.Devices;
using UsbPassd.Registry;
using static UsbPassd.Tests.Unit.Devices.TestDevices;

namespace UsbPassd.Tests.Unit.Registry;

public class ReconciliationTests
{
    private static DeviceRow Row(long id, DiscoveredDevice d, string? owner = null, string? status = null, bool present = true) => new()
    {
        Id = id,
        DevId = d.DevId,
        PortId = d.Device.PortId,
        BusId = d.Device.Bus,
        DeviceId = d.Device.DeviceNumber,
        Present = present ? 1 : 0,
        InstanceUuid = owner,
        Status = status ?? Reconciliation.BaseStatus(d),
    };

    private static readonly Dictionary<string, long> NoneDeleted = [];

    [Fact]
    public void New_devices_are_added()
    {
        var now = Discover(Make("1-2", serial: "A"));
        var plan = Reconciliation.Plan([], now, NoneDeleted);
        var added = Assert.IsType<DeviceChange.Added>(Assert.Single(plan));
        Assert.Equal((null, DeviceStatus.Available), (added.PreviousId, added.Status));
    }

    [Fact]
    public void The_same_enumeration_is_refreshed()
    {
        var now = Discover(Make("1-2", serial: "A", devnum: 5));
        var plan = Reconciliation.Plan([Row(7, now[0])], now, NoneDeleted);
        Assert.Equal(7, Assert.IsType<DeviceChange.Refreshed>(Assert.Single(plan)).Row.Id);
    }

    [Fact]
    public void A_renumbered_device_replaces_its_row_and_keeps_its_owner_as_reserved()
    {
        var before = Discover(Make("1-2", serial: "A", devnum: 5));
        var after = Discover(Make("2-1", serial: "A", devnum: 9));
        var plan = Reconciliation.Plan([Row(7, before[0], owner: "6f1c", status: DeviceStatus.Attached)], after, NoneDeleted);
        var replaced = Assert.IsType<DeviceChange.Replaced>(Assert.Single(plan));
        Assert.Equal((7L, HistoryKind.Renumbered, DeviceStatus.Reserved), (replaced.Old.Id, replaced.Kind, replaced.Status));
    }

    [Fact]
    public void Gone_devices_are_marked_and_owned_ones_are_kept()
    {
        var before = Discover(Make("1-2", serial: "A"), Make("1-3", serial: "B"));
        var plan = Reconciliation.Plan([Row(1, before[0]), Row(2, before[1], owner: "vm")], [], NoneDeleted);
        Assert.Equal([1L, 2L], plan.Cast<DeviceChange.Gone>().Select(g => g.Row.Id));
    }

    [Fact]
    public void A_missing_owned_row_stays_quiet_until_its_device_returns_then_is_reserved()
    {
        var before = Discover(Make("1-2", serial: "A", devnum: 3));
        DeviceRow missing = Row(1, before[0], owner: "vm", status: DeviceStatus.Missing, present: false);
        Assert.Empty(Reconciliation.Plan([missing], [], NoneDeleted));

        var back = Discover(Make("1-3", serial: "A", devnum: 8));
        var replaced = Assert.IsType<DeviceChange.Replaced>(Assert.Single(Reconciliation.Plan([missing], back, NoneDeleted)));
        Assert.Equal(DeviceStatus.Reserved, replaced.Status);
    }

    [Fact]
    public void A_device_seen_before_links_to_its_last_row()
    {
        var now = Discover(Make("1-2", serial: "A"));
        var added = Assert.IsType<DeviceChange.Added>(Assert.Single(Reconciliation.Plan([], now, new Dictionary<string, long> { [now[0].DevId] = 41 })));
        Assert.Equal(41, added.PreviousId);
    }

    [Fact]
    public void A_twin_with_the_same_serial_reidentifies_the_first_without_losing_its_owner()
    {
        var alone = Discover(Make("1-2", serial: "0123456789ABCDEF", devnum: 3));
        var twins = Discover(Make("1-2", serial: "0123456789ABCDEF", devnum: 3), Make("1-3", serial: "0123456789ABCDEF", devnum: 4));
        var plan = Reconciliation.Plan([Row(1, alone[0], owner: "vm", status: DeviceStatus.Attached)], twins, NoneDeleted);

        var replaced = Assert.Single(plan.OfType<DeviceChange.Replaced>());
        Assert.Equal((HistoryKind.Reidentified, DeviceStatus.Attached, "46f4:0001@1-2"), (replaced.Kind, replaced.Status, replaced.Device.DevId));
        var added = Assert.Single(plan.OfType<DeviceChange.Added>());
        Assert.Equal(DeviceStatus.Ambiguous, added.Status);
    }
}
