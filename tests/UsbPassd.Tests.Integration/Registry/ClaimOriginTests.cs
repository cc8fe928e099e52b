using UsbPassd.Devices;
using UsbPassd.Registry;
using static UsbPassd.Tests.Integration.Registry.RegistryFixture;

namespace UsbPassd.Tests.Integration.Registry;

/// <summary>A claim remembers whether a Placement allocation asked for it (schema v5), and keeps saying so while its instance holds it.</summary>
public sealed class ClaimOriginTests : IDisposable
{
    private const string Instance = "8c8e2f0a-0d3c-4f2e-9d53-0c3b3e6f1a01";
    private readonly RegistryFixture _fx = new();
    private readonly DeviceRepository _devices;
    private readonly AssignmentRepository _ledger;

    public ClaimOriginTests()
    {
        var db = RegistryDatabase.Open(_fx.Path, "labhost", _fx.Clock);
        _devices = new DeviceRepository(db, UsbIds.Empty, _fx.Clock);
        _ledger = new AssignmentRepository(db, _fx.Clock);
        _devices.ApplyScan(Scan(Device("1-1", 2, "KEY-0001"), Device("1-2", 3, "KEY-0002")));
    }

    public void Dispose() => _fx.Dispose();

    private DeviceRow Row(string port) => _devices.ListLive().Single(r => r.PortId == port);

    [Fact]
    public void A_claim_is_local_unless_Placement_asked_and_a_Placement_claim_stays_one_through_attach()
    {
        _ledger.Claim(Row("1-1"), Instance, ClaimState.Reserved, null, "ua-a", "optional", true);
        Assert.Equal(ClaimOrigin.Local, _ledger.Get(Row("1-1").DevId!)!.Origin);

        Claim made = _ledger.Claim(Row("1-2"), Instance, ClaimState.Reserved, null, "ua-b", "optional", true, origin: ClaimOrigin.Placement);
        Assert.Equal(ClaimOrigin.Placement, _ledger.Get(Row("1-2").DevId!)!.Origin);

        // The attach that follows is a plain (local) claim by the same instance: the claim still answers to Placement.
        _ledger.Claim(Row("1-2"), Instance, ClaimState.Attaching, null, "ua-b", "optional", false, made.Token);
        _ledger.SetState(Row("1-2"), Instance, ClaimState.Attached);
        Assert.Equal(ClaimOrigin.Placement, _ledger.Get(Row("1-2").DevId!)!.Origin);

        // And a local reservation an allocation later covers becomes the allocation's.
        _ledger.Claim(Row("1-1"), Instance, ClaimState.Reserved, null, "ua-a", "optional", true, origin: ClaimOrigin.Placement);
        Assert.Equal(ClaimOrigin.Placement, _ledger.Get(Row("1-1").DevId!)!.Origin);
    }

    [Fact]
    public void The_database_refuses_an_origin_it_does_not_know()
    {
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_fx.Path}");
        c.Open();
        using var insert = c.CreateCommand();
        insert.CommandText = "INSERT INTO assignments (dev_id, instance_uuid, token, state, alias, origin, created_at, updated_at) VALUES ('x', 'y', 1, 'reserved', 'ua-x', 'nova', 'now', 'now')";
        Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => insert.ExecuteNonQuery());
    }
}
