namespace UsbPassd.Registry;

/// <summary>A row of <c>assignments</c>: who owns a device (by dev_id), in which state, under which fencing token.</summary>
public sealed class Assignment
{
    public string DevId { get; set; } = "";
    public string InstanceUuid { get; set; } = "";
    public long Token { get; set; }
    public string State { get; set; } = "";
    public string? ExpiresAt { get; set; }
    public string Alias { get; set; } = "";
    public string StartupPolicy { get; set; } = "optional";
    public long Persistent { get; set; } = 1;
    public string CreatedAt { get; set; } = "";
    public string UpdatedAt { get; set; } = "";
}

/// <summary>Another instance owns the device; the message names the owner and since when.</summary>
public sealed class OwnershipConflictException : Exception
{
    public OwnershipConflictException(string message, Assignment owner) : base(message) => Owner = owner;

    public OwnershipConflictException() => Owner = new Assignment();

    public OwnershipConflictException(string message) : base(message) => Owner = new Assignment();

    public OwnershipConflictException(string message, Exception innerException) : base(message, innerException) => Owner = new Assignment();

    public Assignment Owner { get; }
}
