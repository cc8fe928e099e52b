using UsbPassd.Faults;
using UsbPassd.Tests.Integration.Libvirt;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// Crashes in the Placement sync (the <c>placement.</c> points, <see cref="CrashPoints.Placement"/>)
/// against the real daemon, a real Placement on loopback, this machine's libvirtd and a real registry:
/// after each, a restart and its sync must leave Placement saying what the registry says, the ledger
/// following Placement's allocations, nothing stuck, no history lost (<see cref="CrashPlacementCheck"/>,
/// <see cref="LedgerCheck"/>). CRASH_PLACEMENT_PAIRS (default <see cref="DefaultPairs"/>; `make
/// crash-points` runs 60) and CRASH_SEED rerun a run exactly.
/// </summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class CrashPlacementPointTests(CrashPlacementFixture fixture, ITestOutputHelper output) : IClassFixture<CrashPlacementFixture>
{
    /// <summary>The random pairs `make test` runs (about 10 s a pair on an idle machine); the fixed ones below come on top.</summary>
    public const int DefaultPairs = 2;

    [Fact]
    public async Task Random_crashes_in_the_placement_sync_leave_placement_and_the_ledger_agreeing()
    {
        var run = new CrashRun("placement crash points", CrashPoints.Placement, output);
        using var host = Host();
        var scenario = new CrashPlacementScenario(host, fixture.Server, RootOf(host));
        await run.RunAsync(CrashRun.Pairs("CRASH_PLACEMENT_PAIRS", DefaultPairs), (point, random) =>
        {
            IReadOnlyList<CrashOperation> ops = CrashOperations.Reaching(point);
            return scenario.RunAsync(ops[random.Next(ops.Count)], point);
        });
    }

    // Pairs whose settling is the least obvious run on every make test.
    [Theory]
    [InlineData(nameof(CrashOperation.PlacementAllocate), CrashPoints.PlacementClaimAfter)]
    [InlineData(nameof(CrashOperation.PlacementPlugPulled), CrashPoints.PlacementCreateAfter)]
    public async Task A_crash_at_this_placement_point_is_settled_by_one_restart(string operation, string point)
    {
        using var host = Host();
        CrashPair pair = await new CrashPlacementScenario(host, fixture.Server, RootOf(host)).RunAsync(Enum.Parse<CrashOperation>(operation), point);
        new CrashRun("placement crash points", CrashPoints.Placement, output).Say(pair.ToString());
        Assert.True(pair.Crashed, $"{pair}: the point was not reached");
        Assert.Empty(pair.Problems);
    }

    // Each host its own root provider: the pairs of one run never see another's providers.
    private CrashHost Host()
    {
        string root = $"crash-{Environment.ProcessId}-{Guid.NewGuid():N}"[..24];
        return new CrashHost { Placement = $$"""{ "endpoint": "{{fixture.Server.Url}}", "token": "admin", "root_provider_name": "{{root}}", "poll_seconds": 1 }""" };
    }

    private static string RootOf(CrashHost host) =>
        System.Text.Json.Nodes.JsonNode.Parse(host.Placement!)!["root_provider_name"]!.GetValue<string>();
}
