using UsbPassd.Devices;
using UsbPassd.Registry;
using static UsbPassd.Tests.Integration.Registry.RegistryFixture;

namespace UsbPassd.Tests.Integration.Registry;

/// <summary>
/// A renewal by the owner takes over only a reservation (found by RaceTests: a reserve racing the
/// owner's attach made the attached claim a reservation, release then freed a device still in the
/// domain's XML, and the next domain's attach put it in two definitions).
/// </summary>
public sealed class ClaimRenewalTests : IDisposable
{
    private const string Instance = "8c8e2f0a-0d3c-4f2e-9d53-0c3b3e6f1a17";
    private readonly RegistryFixture _fx = new();
    private readonly DeviceRepository _devices;
    private readonly AssignmentRepository _ledger;

    public ClaimRenewalTests()
    {
        var db = RegistryDatabase.Open(_fx.Path, "labhost", _fx.Clock);
        _devices = new DeviceRepository(db, UsbIds.Empty, _fx.Clock);
        _ledger = new AssignmentRepository(db, _fx.Clock);
        _devices.ApplyScan(Scan(Device("1-1", 2, "KEY-0001")));
    }

    public void Dispose() => _fx.Dispose();

    private DeviceRow Row => _devices.ListLive().Single(r => r.PortId == "1-1");

    [Theory]
    [InlineData(ClaimState.Attaching, ClaimState.Reserved)]
    [InlineData(ClaimState.Attaching, ClaimState.Attaching)]
    [InlineData(ClaimState.Attached, ClaimState.Reserved)]
    [InlineData(ClaimState.Attached, ClaimState.Attaching)]
    [InlineData(ClaimState.Detaching, ClaimState.Reserved)]
    [InlineData(ClaimState.Detaching, ClaimState.Attaching)]
    public void The_owners_claim_beyond_a_reservation_is_not_renewed_and_stays_as_it_was(ClaimState held, ClaimState asked)
    {
        Claim first = _ledger.Claim(Row, Instance, ClaimState.Attaching, null, "ua-a", "optional", true);
        _ledger.SetState(Row, Instance, held);

        Assert.Throws<ClaimInUseException>(() => _ledger.Claim(Row, Instance, asked, null, "ua-a", "optional", true));

        Claim now = _ledger.Get(Row.DevId!)!;
        Assert.Equal(held, now.State);
        Assert.Equal(first.Token, now.Token);
        Assert.False(_ledger.Release(Row, Instance, DeviceStatus.Available, expected: ClaimState.Reserved));
    }

    [Fact]
    public void A_reservation_is_still_renewed_by_its_owner_with_a_new_token_and_then_attached()
    {
        Claim first = _ledger.Claim(Row, Instance, ClaimState.Reserved, null, "ua-a", "optional", true);
        Claim renewed = _ledger.Claim(Row, Instance, ClaimState.Reserved, null, "ua-a", "optional", true);
        Claim attaching = _ledger.Claim(Row, Instance, ClaimState.Attaching, null, "ua-a", "optional", true, renewed.Token);
        Assert.True(renewed.Token > first.Token);
        Assert.True(attaching.Token > renewed.Token);
        Assert.Equal(ClaimState.Attaching, _ledger.Get(Row.DevId!)!.State);
    }
}
