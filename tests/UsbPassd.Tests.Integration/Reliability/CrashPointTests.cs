using UsbPassd.Faults;
using UsbPassd.Tests.Integration.Libvirt;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// Crashes (SIGKILL at a crash point, <see cref="CrashPoint"/>) in every operation against the real
/// daemon, this machine's libvirtd (shut-off persistent domains: the definition) and a real SQLite
/// registry; after each, one reconcile must leave nothing stuck, lost or owned twice.
/// CRASH_PAIRS (default <see cref="DefaultPairs"/>; `make crash-points` runs 200) and CRASH_SEED
/// (default: random, printed) rerun a run exactly.
/// </summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class CrashPointTests(ITestOutputHelper output)
{
    /// <summary>The pairs `make test` runs: every point once (about 3 s a pair on an idle machine).</summary>
    public static int DefaultPairs => Points.Count;

    /// <summary>The points this class crashes at: all but the Placement sync's (<see cref="CrashPlacementPointTests"/>, which needs a Placement).</summary>
    private static IReadOnlyList<string> Points { get; } = [.. CrashPoints.All.Except(CrashPoints.Placement, StringComparer.Ordinal)];

    [Fact]
    public async Task Random_crashes_leave_no_claim_stuck_no_history_lost_and_no_device_owned_twice()
    {
        var run = new CrashRun("crash points", Points, output);
        using var host = new CrashHost();
        var scenario = new CrashScenario(host);
        await run.RunAsync(CrashRun.Pairs("CRASH_PAIRS", DefaultPairs), (point, random) =>
        {
            IReadOnlyList<CrashOperation> ops = CrashOperations.Reaching(point);
            CrashOperation op = ops[random.Next(ops.Count)];
            (string x, string y) = random.Next(2) == 0 ? ("1-1", "1-2") : ("1-2", "1-1");
            return scenario.RunAsync(op, point, x, y);
        });
    }

    // Pairs that once went wrong, or whose settling is the least obvious, run on every make test.
    [Theory]
    [InlineData(nameof(CrashOperation.Attach), CrashPoints.AttachLibvirtAfter)]
    [InlineData(nameof(CrashOperation.Attach), CrashPoints.AttachConfirmAfter)] // was: metadata without the attached device
    [InlineData(nameof(CrashOperation.Detach), CrashPoints.DetachReleaseAfter)]
    [InlineData(nameof(CrashOperation.Swap), CrashPoints.SwapConfirmAfter)] // was: metadata naming A, not B
    [InlineData(nameof(CrashOperation.Detach), CrashPoints.DetachLibvirtAfter)]
    [InlineData(nameof(CrashOperation.Swap), CrashPoints.SwapDetachAfter)]
    [InlineData(nameof(CrashOperation.Swap), CrashPoints.SwapAttachAfter)]
    [InlineData(nameof(CrashOperation.Follow), CrashPoints.RepointDetachAfter)]
    [InlineData(nameof(CrashOperation.ReconcileRepoint), CrashPoints.ReconcileRepointBefore)]
    public async Task A_crash_at_this_point_is_settled_by_one_reconcile(string operation, string point)
    {
        using var host = new CrashHost();
        CrashPair pair = await new CrashScenario(host).RunAsync(Enum.Parse<CrashOperation>(operation), point);
        new CrashRun("crash points", Points, output).Say(pair.ToString());
        Assert.True(pair.Crashed, $"{pair}: the point was not reached");
        Assert.Empty(pair.Problems);
    }
}
