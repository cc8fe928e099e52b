namespace UsbPassd.Migration;

/// <summary>What a live migration would do with one device, and why, in words an operator can act on.</summary>
public sealed record MigrationVerdict(string Outcome, string Why)
{
    public bool Blocks => Outcome == MigrationCheck.Blocks;
}

/// <summary>
/// <c>instances.migration_check</c>, per device: the claim's decision turned into what would happen.
/// Pure: the destination's devices are known only to the destination (its hook decides), so an
/// equivalent is a condition here, not a promise.
/// </summary>
public static class MigrationCheck
{
    public const string Blocks = "blocks";
    public const string NeedsEquivalent = "needs-equivalent";
    public const string Dropped = "dropped";

    public static MigrationVerdict Judge(MigrationDecision decision, string portId, string devId, string vendorId, string productId, string? label, string instance) => decision switch
    {
        MigrationDecision.Refuse => new(Blocks,
            $"{instance} holds {devId} (migration: refuse): a live migration is refused while it does; detach it first, or let a free {vendorId}:{productId} on the destination take its place (usbpassctl migration {portId} equivalent), or migrate without it (usbpassctl migration {portId} drop)"),
        MigrationDecision.Equivalent => new(NeedsEquivalent,
            $"the destination must have a free {vendorId}:{productId}{(label is null ? "" : $" labelled '{label}'")}: its usbpassd reserves it when the migration begins and refuses the migration otherwise"),
        _ => new(Dropped, $"migrates without it; {portId} is released here when the domain has left"),
    };
}
