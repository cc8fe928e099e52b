namespace UsbPassd.Faults;

/// <summary>
/// The catalogue of crash points (<see cref="CrashPoint"/>): one between every two effects of an
/// operation that a crash could separate, i.e. before and after each registry commit and each
/// libvirt call that changes a domain. Where one effect follows another at once, the point after
/// the first is the point before the second and has one name. <see cref="All"/> is what the crash
/// harness enumerates; a unit test keeps it equal to the constants.
/// </summary>
public static class CrashPoints
{
    // reserve and release: the ledger alone.
    public const string ReserveClaimBefore = "reserve.claim.before";
    public const string ReserveClaimAfter = "reserve.claim.after";
    public const string ReleaseCommitBefore = "release.commit.before";
    public const string ReleaseCommitAfter = "release.commit.after";

    // attach: claim (attaching) → libvirt attach → confirm (attached) → metadata.
    public const string AttachClaimBefore = "attach.claim.before";
    public const string AttachLibvirtBefore = "attach.libvirt.before";
    public const string AttachLibvirtAfter = "attach.libvirt.after";
    public const string AttachConfirmAfter = "attach.confirm.after";
    public const string AttachMetadataAfter = "attach.metadata.after";

    // detach: detaching → libvirt detach → release → metadata.
    public const string DetachCommitBefore = "detach.commit.before";
    public const string DetachLibvirtBefore = "detach.libvirt.before";
    public const string DetachLibvirtAfter = "detach.libvirt.after";
    public const string DetachReleaseAfter = "detach.release.after";
    public const string DetachMetadataAfter = "detach.metadata.after";

    // swap A→B: one commit moves both → detach A → attach B → release A → confirm B → metadata.
    public const string SwapCommitBefore = "swap.commit.before";
    public const string SwapDetachBefore = "swap.detach.before";
    public const string SwapDetachAfter = "swap.detach.after";
    public const string SwapAttachAfter = "swap.attach.after";
    public const string SwapReleaseAfter = "swap.release.after";
    public const string SwapConfirmAfter = "swap.confirm.after";
    public const string SwapMetadataAfter = "swap.metadata.after";

    // A hostdev pointed at a replugged device's new bus/device (replug following and reconcile share it).
    public const string RepointDetachAfter = "repoint.detach.after";
    public const string RepointAttachAfter = "repoint.attach.after";

    // replug following: a renumbered device of an attached claim comes back.
    public const string FollowRepointBefore = "follow.repoint.before";
    public const string FollowConfirmAfter = "follow.confirm.after";

    // reconcile: libvirt's XML read, then one commit a claim.
    public const string ReconcileRead = "reconcile.read";
    public const string ReconcileSettleBefore = "reconcile.settle.before";
    public const string ReconcileSettleAfter = "reconcile.settle.after";
    public const string ReconcileRepointBefore = "reconcile.repoint.before";
    public const string ReconcileConfirmAfter = "reconcile.confirm.after";
    public const string ReconcileExternalAfter = "reconcile.external.after";

    // policy reload: the new policy parsed, then in force.
    public const string PolicyReloadBefore = "policy.reload.before";
    public const string PolicyReloadAfter = "policy.reload.after";

    // Placement sync (Placement/PlacementSync.cs): the root created; a device's provider created, then its
    // inventory, then its traits (a change writes only what differs: inventory, traits); the local cache
    // written. usbpassd never deletes a provider (docs/placement.md), so there is no point for that.
    public const string PlacementRootAfter = "placement.root.after";
    public const string PlacementCreateBefore = "placement.create.before";
    public const string PlacementCreateAfter = "placement.create.after";
    public const string PlacementInventoryAfter = "placement.inventory.after";
    public const string PlacementTraitsAfter = "placement.traits.after";
    public const string PlacementCacheBefore = "placement.cache.before";
    public const string PlacementCacheAfter = "placement.cache.after";

    // The ledger following Placement's allocations (AllocationFollower): the reservation an allocation makes, the release its deletion makes.
    public const string PlacementClaimBefore = "placement.claim.before";
    public const string PlacementClaimAfter = "placement.claim.after";
    public const string PlacementReleaseBefore = "placement.release.before";
    public const string PlacementReleaseAfter = "placement.release.after";

    public static IReadOnlyList<string> All { get; } =
    [
        ReserveClaimBefore, ReserveClaimAfter, ReleaseCommitBefore, ReleaseCommitAfter,
        AttachClaimBefore, AttachLibvirtBefore, AttachLibvirtAfter, AttachConfirmAfter, AttachMetadataAfter,
        DetachCommitBefore, DetachLibvirtBefore, DetachLibvirtAfter, DetachReleaseAfter, DetachMetadataAfter,
        SwapCommitBefore, SwapDetachBefore, SwapDetachAfter, SwapAttachAfter, SwapReleaseAfter, SwapConfirmAfter, SwapMetadataAfter,
        RepointDetachAfter, RepointAttachAfter, FollowRepointBefore, FollowConfirmAfter,
        ReconcileRead, ReconcileSettleBefore, ReconcileSettleAfter, ReconcileRepointBefore, ReconcileConfirmAfter, ReconcileExternalAfter,
        PolicyReloadBefore, PolicyReloadAfter,
        PlacementRootAfter, PlacementCreateBefore, PlacementCreateAfter, PlacementInventoryAfter, PlacementTraitsAfter, PlacementCacheBefore, PlacementCacheAfter,
        PlacementClaimBefore, PlacementClaimAfter, PlacementReleaseBefore, PlacementReleaseAfter,
    ];

    /// <summary>The points of the Placement sync (<c>placement.</c>): a scope of their own for the crash harness, which needs a Placement to reach them.</summary>
    public static IReadOnlyList<string> Placement { get; } = [.. All.Where(p => p.StartsWith("placement.", StringComparison.Ordinal))];
}
