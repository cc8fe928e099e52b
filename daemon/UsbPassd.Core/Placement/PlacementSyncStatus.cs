namespace UsbPassd.Placement;

/// <summary>The sync's state for host.info and metrics: one immutable snapshot, swapped whole.</summary>
/// <param name="Enabled">A "placement" section is configured.</param>
/// <param name="Connected">The last request reached Placement and the tree is in sync or catching up.</param>
/// <param name="Problem">Why not connected, or why a device is not synced (the last message logged); null when all is well.</param>
/// <param name="Providers">Device providers of ours in Placement.</param>
/// <param name="Pending">Devices whose change has not reached Placement yet.</param>
/// <param name="Requests">Requests sent since start.</param>
/// <param name="LastSync">When Placement last matched the registry (UTC), if ever.</param>
/// <param name="Allocated">Device providers of ours that a consumer holds an allocation on.</param>
/// <param name="Conflicts">Allocations the ledger does not follow because another instance holds the device here.</param>
public sealed record PlacementSyncStatus(
    bool Enabled,
    bool Connected,
    string? Endpoint,
    string? Root,
    Guid? RootUuid,
    string? Problem,
    int Providers,
    int Pending,
    long Requests,
    DateTimeOffset? LastSync,
    int Allocated = 0,
    int Conflicts = 0)
{
    public static readonly PlacementSyncStatus Off = new(false, false, null, null, null, null, 0, 0, 0, null);
}
