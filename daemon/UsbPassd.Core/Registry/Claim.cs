namespace UsbPassd.Registry;

/// <summary>A claim of the ownership ledger (a row of <c>assignments</c>): who owns a device (by dev_id), in which state, under which fencing token.</summary>
public sealed record Claim
{
    public required string DevId { get; init; }
    public required string InstanceUuid { get; init; }
    public long Token { get; init; }
    public ClaimState State { get; init; }
    public string? ExpiresAt { get; init; }
    public string Alias { get; init; } = "";
    public string StartupPolicy { get; init; } = "optional";
    public bool Persistent { get; init; } = true;
    public ClaimOrigin Origin { get; init; } = ClaimOrigin.Local;

    /// <summary>What a live migration does with the device; null: the default (<see cref="Migration.MigrationDecisions.Default"/>).</summary>
    public Migration.MigrationDecision? Migration { get; init; }

    /// <summary>A destination's reservation for a live migration under way: the domain has not arrived yet.</summary>
    public bool Incoming { get; init; }
    public string CreatedAt { get; init; } = "";
    public string UpdatedAt { get; init; } = "";
}
