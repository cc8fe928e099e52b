using UsbPassd.Faults;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>What the harness does to an armed daemon; the reconcile ones are made by changing libvirt while it is down.</summary>
internal enum CrashOperation
{
    Reserve,
    Release,
    Attach,
    Detach,
    Swap,
    Follow,
    ReconcileSettle,
    ReconcileRepoint,
    ReconcileExternal,
    PolicyReload,

    // Placement sync (CrashPlacementScenario): a start with nothing in Placement yet; a new key found at
    // start (and the one it replaces gone), or found and pulled again before the restart after the crash;
    // a key gone while down; a reserve here (the provider made unavailable); a scheduler's allocation the
    // follower claims; its deletion the follower releases.
    PlacementStart,
    PlacementPlug,
    PlacementPlugPulled,
    PlacementUnplug,
    PlacementReserve,
    PlacementAllocate,
    PlacementDeallocate,
}

internal static class CrashOperations
{
    /// <summary>The operations whose path passes <paramref name="point"/>.</summary>
    public static IReadOnlyList<CrashOperation> Reaching(string point) => point switch
    {
        _ when point.StartsWith("reserve.", StringComparison.Ordinal) => [CrashOperation.Reserve],
        _ when point.StartsWith("release.", StringComparison.Ordinal) => [CrashOperation.Release],
        _ when point.StartsWith("attach.", StringComparison.Ordinal) => [CrashOperation.Attach],
        _ when point.StartsWith("detach.", StringComparison.Ordinal) => [CrashOperation.Detach],
        _ when point.StartsWith("swap.", StringComparison.Ordinal) => [CrashOperation.Swap],
        _ when point.StartsWith("follow.", StringComparison.Ordinal) => [CrashOperation.Follow],
        _ when point.StartsWith("repoint.", StringComparison.Ordinal) => [CrashOperation.Follow, CrashOperation.ReconcileRepoint],
        CrashPoints.ReconcileRead => [CrashOperation.ReconcileSettle, CrashOperation.ReconcileRepoint, CrashOperation.ReconcileExternal],
        CrashPoints.ReconcileSettleBefore or CrashPoints.ReconcileSettleAfter => [CrashOperation.ReconcileSettle],
        CrashPoints.ReconcileRepointBefore or CrashPoints.ReconcileConfirmAfter => [CrashOperation.ReconcileRepoint],
        CrashPoints.ReconcileExternalAfter => [CrashOperation.ReconcileExternal],
        _ when point.StartsWith("policy.", StringComparison.Ordinal) => [CrashOperation.PolicyReload],
        CrashPoints.PlacementRootAfter => [CrashOperation.PlacementStart],
        CrashPoints.PlacementCreateBefore or CrashPoints.PlacementCreateAfter or CrashPoints.PlacementTraitsAfter => [CrashOperation.PlacementStart, CrashOperation.PlacementPlug, CrashOperation.PlacementPlugPulled],
        CrashPoints.PlacementInventoryAfter => [CrashOperation.PlacementStart, CrashOperation.PlacementPlug, CrashOperation.PlacementPlugPulled, CrashOperation.PlacementUnplug, CrashOperation.PlacementReserve],

        // Every start writes the cache once: only the operations done while the daemon was down reach it first for their own change.
        CrashPoints.PlacementCacheBefore or CrashPoints.PlacementCacheAfter => [CrashOperation.PlacementStart, CrashOperation.PlacementPlug, CrashOperation.PlacementPlugPulled, CrashOperation.PlacementUnplug],
        CrashPoints.PlacementClaimBefore or CrashPoints.PlacementClaimAfter => [CrashOperation.PlacementAllocate],
        CrashPoints.PlacementReleaseBefore or CrashPoints.PlacementReleaseAfter => [CrashOperation.PlacementDeallocate],
        _ => throw new ArgumentException($"no operation reaches {point}: add it to {nameof(CrashOperations)}"),
    };
}
