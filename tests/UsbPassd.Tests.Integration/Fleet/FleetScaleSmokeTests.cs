using UsbPassd.Placement.Fleet;
using UsbPassd.Testing.Fleet;

namespace UsbPassd.Tests.Integration.Fleet;

/// <summary>
/// make bench-fleet's correctness, small (no timing): 12 hosts × 4 corpus devices synced by 12 agents at
/// once, then 16 placements by 8 concurrent schedulers for a request 6 devices match: exactly 6 placed,
/// 10 told no device is free, none given twice, each consumer on the device it was told (from
/// Placement's own allocations and usages).
/// </summary>
public sealed class FleetScaleSmokeTests
{
    [Fact]
    public async Task Concurrent_schedulers_place_each_matching_device_once_and_tell_the_rest_none_is_free()
    {
        using var placement = new PlacementProcess();
        var scale = new FleetScale { Hosts = 12, DevicesPerHost = 4, Matching = 6, Placements = 16, Schedulers = 8, Agents = 12, Prefix = "smoke" };
        await scale.SyncAsync(placement.Url);

        FleetScale.PlaceFigures place = await scale.PlaceAsync(placement.Url);
        Assert.Equal(6, place.Outcomes.Count(o => o.Result == PlacementResult.Placed));
        Assert.Equal(10, place.Outcomes.Count(o => o.Result == PlacementResult.NoDevice));
        Assert.All(place.Outcomes.Where(o => o.Result == PlacementResult.NoDevice), o => Assert.StartsWith("no device is free: all 6 that match", o.Reason));
        Assert.Equal(6, place.Outcomes.Where(o => o.Result == PlacementResult.Placed).Select(o => o.Provider).Distinct().Count());

        FleetScale.Check check = await scale.CheckAsync(placement.Url, place.Outcomes);
        Assert.Empty(check.Problems);
        Assert.Equal(6, check.AllocatedProviders);
        Assert.Equal(0, check.DoublyAllocated);
        Assert.Equal(6, check.UsageTotal);
    }
}
