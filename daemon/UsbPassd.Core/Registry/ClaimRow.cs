namespace UsbPassd.Registry;

/// <summary>A row of <c>assignments</c> as SQLite has it (Dapper's shape); <see cref="ToClaim"/> gives the ledger's <see cref="Claim"/>.</summary>
internal sealed class ClaimRow
{
    public string DevId { get; set; } = "";
    public string InstanceUuid { get; set; } = "";
    public long Token { get; set; }
    public string State { get; set; } = "";
    public string? ExpiresAt { get; set; }
    public string Alias { get; set; } = "";
    public string StartupPolicy { get; set; } = "optional";
    public long Persistent { get; set; } = 1;
    public string Origin { get; set; } = "local";
    public string? Migration { get; set; }
    public long Incoming { get; set; }
    public string CreatedAt { get; set; } = "";
    public string UpdatedAt { get; set; } = "";

    public Claim ToClaim() => new()
    {
        DevId = DevId,
        InstanceUuid = InstanceUuid,
        Token = Token,
        State = ClaimStates.Parse(State),
        ExpiresAt = ExpiresAt,
        Alias = Alias,
        StartupPolicy = StartupPolicy,
        Persistent = Persistent != 0,
        Origin = Origin == "placement" ? ClaimOrigin.Placement : ClaimOrigin.Local,
        Migration = UsbPassd.Migration.MigrationDecisions.Parse(Migration),
        Incoming = Incoming != 0,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
    };

    public static ClaimRow From(Claim c) => new()
    {
        DevId = c.DevId,
        InstanceUuid = c.InstanceUuid,
        Token = c.Token,
        State = c.State.Name(),
        ExpiresAt = c.ExpiresAt,
        Alias = c.Alias,
        StartupPolicy = c.StartupPolicy,
        Persistent = c.Persistent ? 1 : 0,
        Origin = c.Origin == ClaimOrigin.Placement ? "placement" : "local",
        Migration = c.Migration is UsbPassd.Migration.MigrationDecision m ? UsbPassd.Migration.MigrationDecisions.Name(m) : null,
        Incoming = c.Incoming ? 1 : 0,
        CreatedAt = c.CreatedAt,
        UpdatedAt = c.UpdatedAt,
    };
}
