using System.Security.Cryptography;
using Dapper;
using Microsoft.Data.Sqlite;
using UsbPassd.Registry;
using static UsbPassd.Tests.Integration.Registry.RegistryFixture;

namespace UsbPassd.Tests.Integration.Registry;

/// <summary>Old, newer and damaged registry files: upgraded with a backup, or refused and left byte for byte as they were.</summary>
public sealed class RegistryFileTests : IDisposable
{
    private readonly RegistryFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void A_seed_era_v1_database_is_upgraded_with_its_rows_and_a_backup()
    {
        using (var c = new SqliteConnection($"Data Source={_fx.Path}"))
        {
            c.Open();
            c.Execute(Migrations.Steps[0]);
            c.Execute("PRAGMA user_version = 1");
            c.Execute("""
                INSERT INTO usb_devices (created_at, deleted, compute_node_id, address, product_id, vendor_id, bus_id, device_id, port_id, dev_id, status, instance_uuid)
                VALUES ('2014-04-02T00:00:00Z', 0, 1, 'usb_2_3', '1520', '8086', 2, 3, 4, '8086:1520:OLD', 'attached', 'vm-old'),
                       ('2014-04-02T00:00:00Z', 0, 1, 'usb_2_4', '1520', '8086', 2, 4, 5, '8086:1520:OLD', 'available', NULL)
                """);
        }

        SqliteConnection.ClearAllPools();
        DeviceRepository repo = _fx.Open();

        Assert.Equal(Migrations.Latest, RegistryDatabase.Open(_fx.Path, "labhost").ReadSchemaVersion());
        Assert.True(File.Exists(_fx.Path + ".v1.bak"));
        DeviceRow kept = Assert.Single(repo.ListLive()); // two live rows with one dev_id: the newer one stays live
        Assert.Equal(("usb_2_4", "5"), (kept.Address, kept.PortId));
        Assert.Equal(2, repo.ListAll().Count);

        // The next scan matches the old identity and carries on from its row.
        repo.ApplyScan(Scan(Device("2-5", 6, "OLD", vendor: 0x8086, product: 0x1520)));
        Assert.Equal(kept.Id, Assert.Single(repo.ListLive()).PreviousId);
    }

    [Fact]
    public void A_v2_registry_keeps_its_rows_and_history_written_by_the_reflection_era_serialiser()
    {
        // As written by builds before NativeAOT (Microsoft.Data.Sqlite 6.0.7, SQLite 3.35.5, history
        // detail from anonymous objects): the first scan of a device, then its unplug.
        using (var c = new SqliteConnection($"Data Source={_fx.Path}"))
        {
            c.Open();
            foreach (string step in Migrations.Steps.Take(2))
            {
                c.Execute(step);
            }

            c.Execute("PRAGMA user_version = 2");
            c.Execute("""
                INSERT INTO compute_nodes VALUES (1, 'labhost', '2026-01-01T00:00:00.000Z');
                INSERT INTO usb_devices (created_at, deleted, id, compute_node_id, address, vendor_id, product_id, port_id, dev_id, status, serial, present)
                VALUES ('2026-01-01T00:00:00.000Z', 0, 1, 1, 'usb_1_5', '46f4', '0001', '1-1', '46f4:0001:KEY', 'available', 'KEY', 1);
                INSERT INTO usb_device_history (at, row_id, dev_id, kind, detail)
                VALUES ('2026-01-01T00:00:00.000Z', 1, '46f4:0001:KEY', 'added', '{"port_id":"1-1","address":"usb_1_5","previous_id":null,"status":"available"}');
                """);
        }

        SqliteConnection.ClearAllPools();
        DeviceRepository repo = _fx.Open();

        Assert.True(File.Exists(_fx.Path + ".v2.bak"));
        DeviceRow row = Assert.Single(repo.ListLive());
        Assert.Equal(("46f4:0001:KEY", "usb_1_5", "KEY"), (row.DevId, row.Address, row.Serial));
        repo.ApplyScan(Scan());
        HistoryEntry[] history = [.. repo.History("46f4:0001:KEY")];
        Assert.Equal(["added", "unplugged"], history.Select(h => h.Kind));
        Assert.Equal("""{"port_id":"1-1","address":"usb_1_5","previous_id":null,"status":"available"}""", history[0].Detail);
        Assert.Equal("""{"port_id":"1-1","address":"usb_1_5"}""", history[1].Detail);
    }

    [Fact]
    public void A_v3_ledger_keeps_its_claims_when_v4_lets_it_record_external_ones()
    {
        using (var c = new SqliteConnection($"Data Source={_fx.Path}"))
        {
            c.Open();
            foreach (string step in Migrations.Steps.Take(3))
            {
                c.Execute(step);
            }

            c.Execute("PRAGMA user_version = 3");
            c.Execute("INSERT INTO assignments VALUES ('46f4:0001:KEY', '6f1c0a3e-0000-4000-8000-000000000001', 7, 'attached', NULL, 'ua-usbpassd-1', 'mandatory', 1, 'a', 'b')");
            Assert.Throws<SqliteException>(() => c.Execute("UPDATE assignments SET state = 'external'"));
        }

        SqliteConnection.ClearAllPools();
        _fx.Open();

        using var after = new SqliteConnection($"Data Source={_fx.Path}");
        after.Open();
        Assert.Equal(("attached", 7L, "mandatory"), after.QuerySingle<(string, long, string)>("SELECT state, token, startup_policy FROM assignments"));
        after.Execute("UPDATE assignments SET state = 'external'");
        Assert.True(File.Exists(_fx.Path + ".v3.bak"));
    }

    [Fact]
    public void A_database_from_a_newer_usbpassd_is_refused_untouched()
    {
        _fx.Open();
        SqliteConnection.ClearAllPools();
        using (var c = new SqliteConnection($"Data Source={_fx.Path}"))
        {
            c.Open();
            c.Execute("PRAGMA user_version = 99");
        }

        SqliteConnection.ClearAllPools();
        string before = Hash(_fx.Path);

        var e = Assert.Throws<RegistryException>(() => RegistryDatabase.Open(_fx.Path, "labhost"));

        Assert.Contains("schema v99, written by a newer UsbPassd", e.Message);
        Assert.Contains("not modified", e.Message);
        SqliteConnection.ClearAllPools();
        Assert.Equal(before, Hash(_fx.Path));
    }

    [Theory]
    [InlineData("this is a text file, not a database")]
    [InlineData("SQLite format 3\0 then garbage instead of pages ...........................................................")]
    public void A_damaged_file_is_refused_untouched(string content)
    {
        File.WriteAllText(_fx.Path, content.PadRight(8192, 'x'));
        string before = Hash(_fx.Path);

        var e = Assert.Throws<RegistryException>(() => RegistryDatabase.Open(_fx.Path, "labhost"));

        Assert.Contains("not modified", e.Message);
        Assert.Contains(_fx.Path, e.Message);
        SqliteConnection.ClearAllPools();
        Assert.Equal(before, Hash(_fx.Path));
        Assert.False(File.Exists(_fx.Path + "-wal") && new FileInfo(_fx.Path + "-wal").Length > 0);
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
