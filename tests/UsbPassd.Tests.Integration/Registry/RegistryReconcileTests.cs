using Dapper;
using Microsoft.Data.Sqlite;
using UsbPassd.Registry;
using static UsbPassd.Tests.Integration.Registry.RegistryFixture;

namespace UsbPassd.Tests.Integration.Registry;

public sealed class RegistryReconcileTests : IDisposable
{
    private readonly RegistryFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void A_new_registry_is_at_the_latest_schema_in_wal_mode()
    {
        _fx.Open();
        var db = RegistryDatabase.Open(_fx.Path, "labhost");
        Assert.Equal(Migrations.Latest, db.ReadSchemaVersion());
        using SqliteConnection c = db.Connect();
        Assert.Equal("wal", c.ExecuteScalar<string>("PRAGMA journal_mode"));
        Assert.Equal("labhost", c.ExecuteScalar<string>("SELECT hostname FROM compute_nodes WHERE id = 1"));
    }

    [Fact]
    public void A_renumbered_device_gets_a_new_row_pointing_to_the_deleted_old_one()
    {
        DeviceRepository repo = _fx.Open();
        repo.ApplyScan(Scan(Device("1-2", 3, "KEY-0001")));
        long first = Assert.Single(repo.ListLive()).Id;

        _fx.Clock.Advance(TimeSpan.FromMinutes(1));
        ScanSummary summary = repo.ApplyScan(Scan(Device("2-1", 7, "KEY-0001")));

        Assert.Equal(1, summary[HistoryKind.Renumbered]);
        DeviceRow now = Assert.Single(repo.ListLive());
        Assert.Equal((first, "usb_2_7", "2-1", "46f4:0001:KEY-0001"), (now.PreviousId!.Value, now.Address, now.PortId, now.DevId));
        DeviceRow old = repo.Get(first)!;
        Assert.Equal((DeviceStatus.Deleted, first, "2026-11-21T10:43:00.000Z"), (old.Status, old.Deleted, old.DeletedAt));
        Assert.Equal([HistoryKind.Added, HistoryKind.Renumbered], repo.History("46f4:0001:KEY-0001").Select(h => h.Kind));
    }

    [Fact]
    public void Ownership_survives_unplug_and_replug()
    {
        DeviceRepository repo = _fx.Open();
        repo.ApplyScan(Scan(Device("1-2", 3, "KEY-0001")));
        Own(repo.ListLive()[0].Id, "6f1c0000-0000-4000-8000-000000000001", DeviceStatus.Attached);

        repo.ApplyScan(Scan());
        DeviceRow missing = Assert.Single(repo.ListLive());
        Assert.Equal((DeviceStatus.Missing, 0L, "6f1c0000-0000-4000-8000-000000000001"), (missing.Status, missing.Present, missing.InstanceUuid));

        repo.ApplyScan(Scan()); // still gone: nothing more happens
        Assert.Single(repo.History("46f4:0001:KEY-0001"), h => h.Kind == HistoryKind.Missing);

        repo.ApplyScan(Scan(Device("1-3", 9, "KEY-0001")));
        DeviceRow back = Assert.Single(repo.ListLive());
        Assert.Equal((DeviceStatus.Reserved, missing.Id, "6f1c0000-0000-4000-8000-000000000001"), (back.Status, back.PreviousId!.Value, back.InstanceUuid));
    }

    [Fact]
    public void An_unowned_device_that_leaves_is_marked_deleted_and_linked_when_it_returns()
    {
        DeviceRepository repo = _fx.Open();
        repo.ApplyScan(Scan(Device("1-2", 3, "KEY-0001")));
        long first = repo.ListLive()[0].Id;

        repo.ApplyScan(Scan());
        Assert.Empty(repo.ListLive());
        Assert.Equal(DeviceStatus.Deleted, repo.Get(first)!.Status); // marked, never removed

        repo.ApplyScan(Scan(Device("1-2", 4, "KEY-0001")));
        Assert.Equal(first, Assert.Single(repo.ListLive()).PreviousId);
        Assert.Equal([HistoryKind.Added, HistoryKind.Unplugged, HistoryKind.Returned], repo.History("46f4:0001:KEY-0001").Select(h => h.Kind));
    }

    [Fact]
    public void Serial_less_twins_are_ambiguous_and_keep_their_own_rows()
    {
        DeviceRepository repo = _fx.Open();
        repo.ApplyScan(Scan(Device("1-2", 3), Device("1-3", 4)));

        Assert.All(repo.ListLive(), r => Assert.Equal((DeviceStatus.Ambiguous, 1L), (r.Status, r.Ambiguous)));
        Assert.Equal(["46f4:0001@1-2", "46f4:0001@1-3"], repo.ListLive().Select(r => r.DevId));

        repo.ApplyScan(Scan(Device("1-2", 3))); // one twin leaves: the other is no longer ambiguous
        DeviceRow left = Assert.Single(repo.ListLive());
        Assert.Equal((DeviceStatus.Available, 0L), (left.Status, left.Ambiguous));
    }

    [Fact]
    public void A_twin_sharing_a_serial_reidentifies_an_attached_device_without_dropping_its_owner()
    {
        DeviceRepository repo = _fx.Open();
        repo.ApplyScan(Scan(Device("1-2", 3, "0123456789ABCDEF")));
        Own(repo.ListLive()[0].Id, "vm-1", DeviceStatus.Attached);

        repo.ApplyScan(Scan(Device("1-2", 3, "0123456789ABCDEF"), Device("1-3", 4, "0123456789ABCDEF")));

        DeviceRow owned = repo.ListLive().Single(r => r.PortId == "1-2");
        Assert.Equal(("46f4:0001@1-2", DeviceStatus.Attached, "vm-1"), (owned.DevId, owned.Status, owned.InstanceUuid));
        Assert.Equal(DeviceStatus.Ambiguous, repo.ListLive().Single(r => r.PortId == "1-3").Status);
    }

    [Fact]
    public void History_is_append_only_in_the_database_itself()
    {
        DeviceRepository repo = _fx.Open();
        repo.ApplyScan(Scan(Device("1-2", 3, "A")));
        using SqliteConnection c = RegistryDatabase.Open(_fx.Path, "labhost").Connect();

        Assert.Contains("append-only", Assert.Throws<SqliteException>(() => c.Execute("UPDATE usb_device_history SET kind = 'x'")).Message);
        Assert.Contains("append-only", Assert.Throws<SqliteException>(() => c.Execute("DELETE FROM usb_device_history")).Message);
    }

    [Fact]
    public void The_extra_info_holds_the_full_wire_record()
    {
        DeviceRepository repo = _fx.Open();
        repo.ApplyScan(Scan(Device("1-2", 3, "A")));
        string extra = repo.ListLive()[0].ExtraInfo!;
        Assert.Contains("\"product\":\"QEMU USB HARDDRIVE\"", extra);
        Assert.Contains("\"manufacturer\":null", extra);
    }

    private void Own(long id, string instance, string status)
    {
        using SqliteConnection c = RegistryDatabase.Open(_fx.Path, "labhost").Connect();
        c.Execute("UPDATE usb_devices SET instance_uuid = @instance, status = @status WHERE id = @id", new { instance, status, id });
    }
}
