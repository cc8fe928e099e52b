using UsbPassd.Devices;
using UsbPassd.Registry;
using UsbPassd.Tests.Integration.Registry;
using static UsbPassd.Tests.Integration.Registry.RegistryFixture;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// The system clock stepped while reservations run (issue 17, chaos): a TTL is a length of time, so a
/// step forward must not end it early and a step back must not stretch it; the history keeps the order
/// things happened in (by id) even where its timestamps go backwards. Real SQLite, two fake clocks: the
/// wall clock the test steps and the monotonic one it moves only forwards. The lab test steps the lab
/// host's real clock (ChaosLabTests).
/// </summary>
public sealed class ChaosClockStepTests : IDisposable
{
    private const string A = "00000000-0000-4000-8000-0000000000a1";
    private const string B = "00000000-0000-4000-8000-0000000000b1";
    private readonly RegistryFixture _fx = new();
    private readonly Ticks _monotonic = new();
    private readonly DeviceRepository _devices;
    private readonly AssignmentRepository _ledger;

    public ChaosClockStepTests()
    {
        var db = RegistryDatabase.Open(_fx.Path, "labhost", _fx.Clock);
        _devices = new DeviceRepository(db, UsbIds.Empty, _fx.Clock);
        _ledger = new AssignmentRepository(db, _fx.Clock, new SteadyClock(_fx.Clock, _monotonic));
        _devices.ApplyScan(Scan(Device("1-1", 2, "KEY-0001")));
    }

    public void Dispose() => _fx.Dispose();

    private DeviceRow Key => _devices.ListLive().Single();

    private void Elapse(TimeSpan real, TimeSpan step)
    {
        _monotonic.Advance(real);
        _fx.Clock.Advance(real + step);
    }

    [Fact]
    public void A_step_forward_does_not_end_a_reservation_early()
    {
        _ledger.Claim(Key, A, ClaimState.Reserved, TimeSpan.FromSeconds(60), "ua-a", "optional", true);

        Elapse(TimeSpan.FromSeconds(10), step: TimeSpan.FromHours(1));

        OwnershipConflictException refused = Assert.Throws<OwnershipConflictException>(() => _ledger.Claim(Key, B, ClaimState.Reserved, null, "ua-b", "optional", true));
        Assert.Equal(A, refused.Owner!.InstanceUuid);

        Elapse(TimeSpan.FromSeconds(51), step: TimeSpan.Zero); // 61 s of real time: over
        Assert.Equal(B, _ledger.Claim(Key, B, ClaimState.Reserved, null, "ua-b", "optional", true).InstanceUuid);
    }

    [Fact]
    public void A_step_back_does_not_stretch_a_reservation_and_the_history_stays_in_the_order_it_happened()
    {
        Claim first = _ledger.Claim(Key, A, ClaimState.Reserved, TimeSpan.FromSeconds(60), "ua-a", "optional", true);

        Elapse(TimeSpan.FromSeconds(61), step: -TimeSpan.FromHours(1)); // by the wall clock an hour is left
        Claim taken = _ledger.Claim(Key, B, ClaimState.Reserved, null, "ua-b", "optional", true);
        Assert.Equal(B, taken.InstanceUuid);
        Assert.True(taken.Token > first.Token);

        IReadOnlyList<HistoryEntry> history = _devices.History(Key.DevId);
        HistoryEntry[] claims = [.. history.Where(h => h.Kind == "claim_reserved")];
        Assert.Equal(2, claims.Length);
        Assert.True(claims[0].Id < claims[1].Id);
        Assert.Contains(A, claims[0].Detail);
        Assert.Contains(B, claims[1].Detail);
        Assert.True(string.CompareOrdinal(claims[1].At, claims[0].At) < 0, "the second claim's timestamp is before the first's: the step back is visible, the order by id is not fooled by it");
    }

    /// <summary>A monotonic clock the test moves: timestamps only, in ticks of 100 ns.</summary>
    private sealed class Ticks : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long GetTimestamp() => _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
