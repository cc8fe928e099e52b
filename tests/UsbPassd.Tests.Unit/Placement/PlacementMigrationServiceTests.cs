using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using UsbPassd.Daemon.Hosting;
using UsbPassd.Daemon.Services;
using UsbPassd.Placement;

namespace UsbPassd.Tests.Unit.Placement;

/// <summary>
/// The migration code's calls never hold a migration back when Placement cannot answer: off, or not
/// connected (down), the move is allowed at once and kept for the loop to retry.
/// </summary>
public sealed class PlacementMigrationServiceTests
{
    private const string Instance = "8c8e2f0a-0d3c-4f2e-9d53-0c3b3e6f1a01";

    // Only the options and the log are touched before the service runs: it never started here (as when Placement is down at boot).
    private static PlacementService Service(PlacementOptions? placement) =>
        new(new DaemonOptions { Placement = placement }, null!, null!, null!, null!, NullLogger<PlacementService>.Instance);

    [Fact]
    public async Task With_Placement_off_every_step_is_a_no_op()
    {
        PlacementService service = Service(null);
        Assert.Null(await service.MoveForMigrationAsync(Instance, "46f4:0001:KEY", "46f4", "0001", TimeSpan.FromSeconds(30), CancellationToken.None));
        await service.FinishMigrationAsync(Instance, CancellationToken.None);
        await service.RevertMigrationAsync(Instance, CancellationToken.None);
    }

    [Fact]
    public async Task With_Placement_not_connected_the_move_is_allowed_at_once_and_kept_for_later()
    {
        PlacementService service = Service(new PlacementOptions { Endpoint = "http://127.0.0.1:9", Token = "admin", RootProviderName = "host-a" });
        var clock = Stopwatch.StartNew();
        Assert.Null(await service.MoveForMigrationAsync(Instance, "46f4:0001:KEY", "46f4", "0001", TimeSpan.FromSeconds(30), CancellationToken.None));
        await service.FinishMigrationAsync(Instance, CancellationToken.None);
        await service.RevertMigrationAsync(Instance, CancellationToken.None);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"waited {clock.Elapsed} for a Placement that is not there");
        Assert.Null(await service.MoveForMigrationAsync("not-a-uuid", "46f4:0001:KEY", "46f4", "0001", TimeSpan.FromSeconds(30), CancellationToken.None));
    }
}
