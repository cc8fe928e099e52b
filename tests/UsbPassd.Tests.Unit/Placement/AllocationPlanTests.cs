using UsbPassd.Placement;
using UsbPassd.Registry;

namespace UsbPassd.Tests.Unit.Placement;

/// <summary>The ledger follows Placement's allocations, except where an instance holds the device here.</summary>
public sealed class AllocationPlanTests
{
    private const string U = "8c8e2f0a-0d3c-4f2e-9d53-0c3b3e6f1a01";
    private const string V = "1f4e6a2b-7c3d-4e5f-8a9b-0c1d2e3f4a02";
    private const string W = "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c03";

    private static Holding Held(string devId, params string[] consumers) => new(Guid.NewGuid(), devId, consumers);

    private static Claim Claimed(string devId, string instance, ClaimState state = ClaimState.Reserved, ClaimOrigin origin = ClaimOrigin.Placement) =>
        new() { DevId = devId, InstanceUuid = instance, State = state, Origin = origin };

    [Fact]
    public void An_allocation_on_a_free_device_reserves_it_for_the_consumer() =>
        Assert.Equal([new ReserveForAllocation("k1", U)], AllocationPlan.For([Held("k1", U)], []));

    [Fact]
    public void A_device_already_held_by_the_consumer_needs_nothing_whatever_the_claim_state_or_origin()
    {
        Assert.Empty(AllocationPlan.For([Held("k1", U)], [Claimed("k1", U, ClaimState.Attached)]));
        Assert.Empty(AllocationPlan.For([Held("k1", U.ToUpperInvariant())], [Claimed("k1", U, ClaimState.Reserved, ClaimOrigin.Local)]));
    }

    [Theory]
    [InlineData(ClaimState.Reserved)]
    [InlineData(ClaimState.Attached)]
    public void A_claim_made_for_an_allocation_that_is_gone_is_released_with_its_state(ClaimState state) =>
        Assert.Equal([new ReleaseAllocation("k1", U, state)], AllocationPlan.For([Held("k1")], [Claimed("k1", U, state)]));

    [Fact]
    public void A_local_claim_is_never_released_by_Placement() =>
        Assert.Empty(AllocationPlan.For([Held("k1")], [Claimed("k1", U, ClaimState.Attached, ClaimOrigin.Local)]));

    [Fact]
    public void A_claim_whose_provider_Placement_has_not_told_us_about_is_left_alone() =>
        Assert.DoesNotContain(AllocationPlan.For([Held("k2", V)], [Claimed("k1", U)]), s => s.DevId == "k1");

    [Fact]
    public void An_allocation_on_a_device_another_instance_holds_here_is_a_conflict_and_the_ledger_is_kept()
    {
        IReadOnlyList<AllocationStep> steps = AllocationPlan.For([Held("k1", U)], [Claimed("k1", V, ClaimState.Attached, ClaimOrigin.Local)]);
        Assert.Equal([new AllocationConflict("k1", U, V, ClaimState.Attached)], steps);
    }

    [Fact]
    public void An_allocation_moved_to_another_consumer_releases_the_old_claim_then_reserves_for_the_new() =>
        Assert.Equal([new ReleaseAllocation("k1", U, ClaimState.Attached), new ReserveForAllocation("k1", V)],
            AllocationPlan.For([Held("k1", V)], [Claimed("k1", U, ClaimState.Attached)]));

    [Fact]
    public void Two_allocations_on_one_device_keep_the_holder_and_report_the_other()
    {
        Assert.Equal([new AllocationConflict("k1", W, U, ClaimState.Reserved)], AllocationPlan.For([Held("k1", U, W)], [Claimed("k1", U)]));
        Assert.Equal([new ReserveForAllocation("k1", U), new AllocationConflict("k1", W, U, ClaimState.Reserved)], AllocationPlan.For([Held("k1", U, W)], []));
    }

    [Fact]
    public void A_device_attached_outside_usbpassd_is_never_taken_by_an_allocation() =>
        Assert.Equal([new AllocationConflict("k1", U, V, ClaimState.External)], AllocationPlan.For([Held("k1", U)], [Claimed("k1", V, ClaimState.External, ClaimOrigin.Local)]));

    private static string Migration(string instance) => PlacementNames.MigrationConsumer(Guid.Parse(instance)).ToString();

    [Theory]
    [InlineData(ClaimState.Attached, ClaimOrigin.Placement)]
    [InlineData(ClaimState.Reserved, ClaimOrigin.Placement)]
    [InlineData(ClaimState.Attached, ClaimOrigin.Local)]
    public void A_device_its_holders_migration_consumer_holds_stays_with_the_running_domain_and_is_no_conflict(ClaimState state, ClaimOrigin origin) =>
        Assert.Equal([new MigratingAway("k1", U)], AllocationPlan.For([Held("k1", Migration(U))], [Claimed("k1", U, state, origin)]));

    [Fact]
    public void Another_instances_migration_consumer_is_an_ordinary_consumer() =>
        Assert.Equal([new ReleaseAllocation("k1", U, ClaimState.Attached), new ReserveForAllocation("k1", Migration(V))],
            AllocationPlan.For([Held("k1", Migration(V))], [Claimed("k1", U, ClaimState.Attached)]));

    [Fact]
    public void When_the_migration_finishes_a_claim_in_a_domain_is_left_to_the_migration_and_a_reserved_one_released()
    {
        var migrating = new Dictionary<string, string> { ["k1"] = U };
        Assert.Equal([new LeftToMigration("k1", U, ClaimState.Attached)], AllocationPlan.For([Held("k1")], [Claimed("k1", U, ClaimState.Attached)], migrating));
        Assert.Equal([new ReleaseAllocation("k1", U, ClaimState.Reserved)], AllocationPlan.For([Held("k1")], [Claimed("k1", U)], migrating));

        // Not seen migrating (a restart, or a migration quicker than the poll): an allocation that went, as ever.
        Assert.Equal([new ReleaseAllocation("k1", U, ClaimState.Attached)], AllocationPlan.For([Held("k1")], [Claimed("k1", U, ClaimState.Attached)]));
    }

    [Fact]
    public void A_reverted_migration_gives_the_device_back_to_its_holder_with_nothing_to_do() =>
        Assert.Empty(AllocationPlan.For([Held("k1", U)], [Claimed("k1", U, ClaimState.Attached)], new Dictionary<string, string> { ["k1"] = U }));
}
