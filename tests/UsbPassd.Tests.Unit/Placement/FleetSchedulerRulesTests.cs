using UsbPassd.Placement;
using UsbPassd.Placement.Fleet;

namespace UsbPassd.Tests.Unit.Placement;

/// <summary>
/// Which 409s the reference scheduler retries, with the messages Placement 8.0 gives (../shared/docs/placement.md §4),
/// and how the fleet commands get their access from a "placement" section.
/// </summary>
public sealed class FleetSchedulerRulesTests
{
    private static PlacementException Error(PlacementFailure failure, string detail, string code) => new(failure, $"PUT /allocations/x: {detail}", code);

    [Fact]
    public void Capacity_exceeded_and_a_provider_generation_that_moved_are_lost_races_to_retry()
    {
        Assert.True(FleetScheduler.IsLostRace(Error(PlacementFailure.Conflict, "Unable to allocate inventory: … The requested amount would exceed the capacity.", "placement.undefined_code")));
        Assert.True(FleetScheduler.IsLostRace(Error(PlacementFailure.ConcurrentUpdate, "resource provider generation conflict", "placement.concurrent_update")));
    }

    [Fact]
    public void A_consumer_that_already_holds_allocations_is_not_a_race()
    {
        PlacementException e = Error(PlacementFailure.ConcurrentUpdate, "consumer generation conflict - expected 1 but got None", "placement.concurrent_update");
        Assert.True(FleetScheduler.IsConsumerConflict(e));
        Assert.False(FleetScheduler.IsLostRace(e));
        Assert.False(FleetScheduler.IsLostRace(Error(PlacementFailure.Conflict, "in use", "placement.resource_provider.inuse")));
    }

    [Fact]
    public void Unknown_traits_and_classes_mean_nothing_matches()
    {
        Assert.True(FleetScheduler.IsUnknownName(Error(PlacementFailure.Refused, "No such trait(s): CUSTOM_USB_SERIAL_NOPE", "placement.undefined_code")));
        Assert.True(FleetScheduler.IsUnknownName(Error(PlacementFailure.Refused, "Invalid resource class in resources parameter: No such resource class CUSTOM_USB_FFFF_FFFE", "placement.undefined_code")));
        Assert.False(FleetScheduler.IsUnknownName(Error(PlacementFailure.Unreachable, "No such trait", "x")));
    }

    [Fact]
    public void Access_follows_the_daemon_s_rules()
    {
        Assert.IsType<StaticTokenAuth>(FleetAccess.Auth(new PlacementOptions { Endpoint = "http://127.0.0.1:8778", Token = "admin" }, []));
        Assert.Contains("not https and not this host", Assert.Throws<InvalidOperationException>(() => FleetAccess.Auth(new PlacementOptions { Endpoint = "http://placement.example", Token = "t" }, [])).Message);
        Assert.Contains("no cloud 'nope'", Assert.Throws<InvalidOperationException>(() => FleetAccess.Auth(new PlacementOptions { Cloud = "nope" }, ["/nonexistent/clouds.yaml"])).Message);
    }
}
