using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;
using UsbPassd.Devices;
using UsbPassd.Registry;
using UsbPassd.Rpc;
using static UsbPassd.Tests.Integration.Registry.RegistryFixture;

namespace UsbPassd.Tests.Integration.Registry;

/// <summary>Every writer of a real registry publishes its rows to the feed after its commit, and the read model follows it.</summary>
public sealed class RegistryFeedTests : IDisposable
{
    private readonly RegistryFixture _fx = new();
    private readonly DeviceRepository _devices;
    private readonly AssignmentRepository _ledger;
    private readonly DeviceView _view;
    private readonly List<RegistryChange> _told = [];
    private readonly IDisposable _subscription;

    public RegistryFeedTests()
    {
        var db = RegistryDatabase.Open(_fx.Path, "labhost", _fx.Clock);
        _devices = new DeviceRepository(db, UsbIds.Empty, _fx.Clock);
        _ledger = new AssignmentRepository(db, _fx.Clock);
        _devices.ApplyScan(Scan(Device("1-1", 2, "KEY-0001"))); // before the view: loaded, not told
        _view = new DeviceView(_devices);
        _subscription = _devices.Changes.Subscribe(_told.Add);
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _view.Dispose();
        _fx.Dispose();
    }

    [Fact]
    public void A_scan_publishes_the_rows_it_wrote_as_the_registry_holds_them()
    {
        _fx.Clock.Advance(TimeSpan.FromMinutes(1));
        _devices.ApplyScan(Scan(Device("1-2", 4, "KEY-0001"), Device("1-3", 5, "KEY-0002")));

        RegistryChange change = Assert.Single(_told);
        Assert.Equal(ChangeCause.Scan, change.Cause);
        Assert.Equal([RowChangeKind.Removed, RowChangeKind.Added, RowChangeKind.Added], change.Rows.Select(r => r.Kind));
        foreach (RowChange row in change.Rows)
        {
            Assert.Equal(Json(_devices.Get(row.RowId)!), Json(row.Row!));
        }

        Assert.Equal(change.Rows[0].RowId, change.Rows[1].ReplacesId);
        AssertViewIsTheRegistry();
    }

    [Fact]
    public void An_unchanged_scan_publishes_nothing_and_a_rejudgement_says_so()
    {
        _devices.ApplyScan(Scan(Device("1-1", 2, "KEY-0001")));
        Assert.Empty(_told);

        _devices.ApplyScan(Inventory.Build([Device("1-1", 2, "KEY-0001")], UsbIds.Empty, _ => [new UsbPassd.Devices.DeviceJudgement("blocked_by_policy", "rule 1", "no")]), ChangeCause.Policy);
        RegistryChange change = Assert.Single(_told);
        Assert.Equal((ChangeCause.Policy, DeviceStatus.Blocked), (change.Cause, Assert.Single(change.Rows).Row!.Status));
        AssertViewIsTheRegistry();
    }

    [Fact]
    public void Claims_state_changes_and_releases_publish_the_mirrored_row()
    {
        DeviceRow row = Assert.Single(_devices.ListLive());
        string vm = Guid.NewGuid().ToString();

        _ledger.Claim(row, vm, ClaimState.Reserved, TimeSpan.FromMinutes(5), "ua-usbpassd-x", "optional", persistent: true);
        AssertToldOwnership(row.Id, DeviceStatus.Reserved, vm);
        _ledger.SetState(row, vm, ClaimState.Attached);
        AssertToldOwnership(row.Id, DeviceStatus.Attached, vm);
        Assert.False(_ledger.SetState(row, vm, ClaimState.Detaching, expected: ClaimState.Attaching));
        Assert.Empty(_told); // nothing changed: nobody is told
        _ledger.Release(row, vm, DeviceStatus.Available);
        AssertToldOwnership(row.Id, DeviceStatus.Available, null);

        Assert.Throws<OwnershipConflictException>(() =>
        {
            _ledger.Claim(row, vm, ClaimState.Reserved, null, "ua-usbpassd-x", "optional", persistent: true);
            _ledger.Claim(row, Guid.NewGuid().ToString(), ClaimState.Reserved, null, "ua-usbpassd-x", "optional", persistent: true);
        });
        AssertToldOwnership(row.Id, DeviceStatus.Reserved, vm); // the first claim only: the refused one rolled back
    }

    private void AssertToldOwnership(long rowId, string status, string? instance)
    {
        RegistryChange change = Assert.Single(_told);
        _told.Clear();
        RowChange row = Assert.Single(change.Rows);
        Assert.Equal((ChangeCause.Ownership, RowChangeKind.Changed, rowId, status, instance), (change.Cause, row.Kind, row.RowId, row.Row!.Status, row.Row.InstanceUuid));
        Assert.Equal(Json(_devices.Get(rowId)!), Json(row.Row));
        AssertViewIsTheRegistry();
    }

    // The view, updated from the feed alone, shows what a full read of the registry shows.
    private void AssertViewIsTheRegistry() =>
        Assert.Equal(
            JsonSerializer.Serialize(_devices.ListLive().Select(r => r.ToRecord()).ToArray(), ProtocolJson.Default.DeviceRecordArray),
            System.Text.Encoding.UTF8.GetString(_view.ListJson(new DevicesListParams())));

    private static string Json(DeviceRow row) => JsonSerializer.Serialize(row.ToRecord(), ProtocolJson.Default.DeviceRecord);
}
