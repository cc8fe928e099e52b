using Dapper;
using Microsoft.Data.Sqlite;
using UsbPassd.Devices;
using UsbPassd.Migration;
using UsbPassd.Registry;
using static UsbPassd.Tests.Integration.Registry.RegistryFixture;

namespace UsbPassd.Tests.Integration.Registry;

/// <summary>Schema v6: a claim's live-migration decision and whether it is an incoming migration's reservation, in a real registry file.</summary>
public sealed class ClaimMigrationTests : IDisposable
{
    private const string Instance = "8c8e2f0a-0d3c-4f2e-9d53-0c3b3e6f1a01";
    private readonly RegistryFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private (DeviceRepository Devices, AssignmentRepository Ledger) Open()
    {
        var db = RegistryDatabase.Open(_fx.Path, "labhost", _fx.Clock);
        var devices = new DeviceRepository(db, UsbIds.Empty, _fx.Clock);
        devices.ApplyScan(Scan(Device("1-1", 2, "KEY-0001"), Device("1-2", 3, "KEY-0002")));
        return (devices, new AssignmentRepository(db, _fx.Clock));
    }

    private static DeviceRow Row(DeviceRepository devices, string port) => devices.ListLive().Single(r => r.PortId == port);

    [Fact]
    public void A_v5_ledger_migrates_to_v6_with_no_decision_and_not_incoming()
    {
        using (var c = new SqliteConnection($"Data Source={_fx.Path}"))
        {
            c.Open();
            foreach (string step in Migrations.Steps.Take(5))
            {
                c.Execute(step);
            }

            c.Execute("PRAGMA user_version = 5");
            c.Execute("INSERT INTO assignments (dev_id, instance_uuid, token, state, expires_at, alias, startup_policy, persistent, origin, created_at, updated_at) VALUES ('46f4:0001:KEY', '6f1c0a3e-0000-4000-8000-000000000001', 7, 'attached', NULL, 'ua-usbpassd-1', 'mandatory', 1, 'placement', 'a', 'b')");
            Assert.Throws<SqliteException>(() => c.Execute("SELECT migration FROM assignments"));
        }

        SqliteConnection.ClearAllPools();
        (_, AssignmentRepository ledger) = Open();

        Assert.Equal(6, RegistryDatabase.Open(_fx.Path, "labhost").ReadSchemaVersion());
        Assert.True(File.Exists(_fx.Path + ".v5.bak"));
        Claim kept = ledger.Get("46f4:0001:KEY")!;
        Assert.Equal((ClaimState.Attached, 7L, ClaimOrigin.Placement, null, false), (kept.State, kept.Token, kept.Origin, kept.Migration, kept.Incoming));
        using var after = new SqliteConnection($"Data Source={_fx.Path}");
        after.Open();
        Assert.Equal((null, 0L), after.QuerySingle<(string?, long)>("SELECT migration, incoming FROM assignments"));
        Assert.Throws<SqliteException>(() => after.Execute("UPDATE assignments SET migration = 'teleport'"));
        Assert.Throws<SqliteException>(() => after.Execute("UPDATE assignments SET incoming = 2"));
    }

    [Theory]
    [InlineData(MigrationDecision.Refuse, false)]
    [InlineData(MigrationDecision.Equivalent, true)]
    [InlineData(MigrationDecision.Drop, false)]
    public void A_claim_stores_its_decision_and_incoming_and_reads_them_back(MigrationDecision decision, bool incoming)
    {
        (DeviceRepository devices, AssignmentRepository ledger) = Open();
        ledger.Claim(Row(devices, "1-1"), Instance, ClaimState.Reserved, null, "ua-a", "optional", true, migration: decision, incoming: incoming);
        ledger.Claim(Row(devices, "1-2"), Instance, ClaimState.Reserved, null, "ua-b", "optional", true);

        Claim a = ledger.Get(Row(devices, "1-1").DevId!)!, b = ledger.Get(Row(devices, "1-2").DevId!)!;
        Assert.Equal((decision, incoming), (a.Migration, a.Incoming));
        Assert.Equal((null, false), (b.Migration, b.Incoming));
        using var c = new SqliteConnection($"Data Source={_fx.Path}");
        c.Open();
        Assert.Equal((decision.Name(), incoming ? 1L : 0L), c.QuerySingle<(string?, long)>("SELECT migration, incoming FROM assignments WHERE alias = 'ua-a'"));
    }

    [Fact]
    public void A_renewal_by_the_same_instance_keeps_the_decision_and_incoming_and_another_instance_starts_afresh()
    {
        (DeviceRepository devices, AssignmentRepository ledger) = Open();
        DeviceRow key = Row(devices, "1-1");
        Claim made = ledger.Claim(key, Instance, ClaimState.Reserved, TimeSpan.FromMinutes(5), "ua-a", "optional", true, migration: MigrationDecision.Drop, incoming: true);

        ledger.Claim(key, Instance, ClaimState.Attaching, null, "ua-a", "optional", true, made.Token);
        Claim renewed = ledger.Get(key.DevId!)!;
        Assert.Equal((ClaimState.Attaching, MigrationDecision.Drop, true), (renewed.State, renewed.Migration, renewed.Incoming));

        // A new word from the same instance replaces the old one (its reservation again, as after an attach
        // libvirt refused: an attaching claim itself is not renewed, ClaimRenewalTests).
        ledger.SetState(key, Instance, ClaimState.Reserved);
        ledger.Claim(key, Instance, ClaimState.Attaching, null, "ua-a", "optional", true, migration: MigrationDecision.Equivalent);
        Assert.Equal(MigrationDecision.Equivalent, ledger.Get(key.DevId!)!.Migration);

        Assert.True(ledger.Release(key, Instance, "available"));
        ledger.Claim(Row(devices, "1-1"), "00000000-0000-4000-8000-0000000000bb", ClaimState.Reserved, null, "ua-a", "optional", true);
        Claim other = ledger.Get(key.DevId!)!;
        Assert.Equal((null, false), (other.Migration, other.Incoming));
    }

    [Fact]
    public void SetMigration_changes_the_decision_and_records_it_in_the_history_and_only_for_the_holder()
    {
        (DeviceRepository devices, AssignmentRepository ledger) = Open();
        DeviceRow key = Row(devices, "1-1");
        ledger.Claim(key, Instance, ClaimState.Attached, null, "ua-a", "optional", true);
        _fx.Clock.Advance(TimeSpan.FromSeconds(3));

        Assert.True(ledger.SetMigration(key, Instance, MigrationDecision.Drop, new Actor("uid 1000 (alice)")));
        Assert.False(ledger.SetMigration(key, "00000000-0000-4000-8000-0000000000bb", MigrationDecision.Refuse));
        Assert.False(ledger.SetMigration(Row(devices, "1-2"), Instance, MigrationDecision.Refuse)); // it holds no claim on that one

        Claim after = ledger.Get(key.DevId!)!;
        Assert.Equal(MigrationDecision.Drop, after.Migration);
        Assert.Equal(Timestamps.Format(_fx.Clock.GetUtcNow()), after.UpdatedAt);
        HistoryEntry set = Assert.Single(devices.History(key.DevId!), h => h.Kind == "migration_set");
        Assert.Equal($$"""{"instance_uuid":"{{Instance}}","migration":"drop","by":"uid 1000 (alice)"}""", set.Detail);
        Assert.DoesNotContain(devices.History(Row(devices, "1-2").DevId!), h => h.Kind == "migration_set");
    }

    [Fact]
    public void Arrived_clears_incoming_once_and_only_for_its_instance()
    {
        (DeviceRepository devices, AssignmentRepository ledger) = Open();
        DeviceRow key = Row(devices, "1-1");
        ledger.Claim(key, Instance, ClaimState.Reserved, null, "ua-a", "optional", true, migration: MigrationDecision.Equivalent, incoming: true);

        Assert.False(ledger.Arrived(key, "00000000-0000-4000-8000-0000000000bb"));
        Assert.True(ledger.Get(key.DevId!)!.Incoming);
        Assert.True(ledger.Arrived(key, Instance));
        Assert.False(ledger.Arrived(key, Instance));
        Claim arrived = ledger.Get(key.DevId!)!;
        Assert.Equal((false, MigrationDecision.Equivalent, ClaimState.Reserved), (arrived.Incoming, arrived.Migration, arrived.State));
        Assert.False(ledger.Arrived(Row(devices, "1-2"), Instance)); // no claim at all
    }
}
