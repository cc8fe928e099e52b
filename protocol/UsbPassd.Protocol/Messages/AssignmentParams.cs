using System.Text.Json.Serialization;

namespace UsbPassd.Protocol.Messages;

/// <summary><c>devices.reserve</c>: hold a device for an instance (TTL optional); returns a fencing token.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ReserveParams
{
    /// <summary>id, port_id, address or dev_id (ambiguous devices: port_id or id only).</summary>
    public string? Device { get; init; }
    public string? InstanceUuid { get; init; }
    public int? TtlSeconds { get; init; }
}

/// <summary><c>devices.release</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ReleaseParams
{
    public string? Device { get; init; }
    public string? InstanceUuid { get; init; }
}

/// <summary><c>devices.attach</c>: the device goes into the domain (reserving it if needed).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AttachParams
{
    public string? Device { get; init; }

    /// <summary>Domain UUID or name.</summary>
    public string? Instance { get; init; }

    /// <summary>auto (the default, also when null), live or config.</summary>
    public string? Mode { get; init; }

    /// <summary>uhci, ehci or xhci: the guest controller to use (a stopped domain gets it added); null: any.</summary>
    public string? Controller { get; init; }

    /// <summary>optional (the default, also when null: the VM boots without the device) or mandatory.</summary>
    public string? MissingPolicy { get; init; }

    /// <summary>The fencing token from devices.reserve; a stale one is refused, and so is one whose reservation is over (expired or released).</summary>
    public long? Token { get; init; }

    /// <summary>What a live migration does with it: refuse, equivalent or drop; null: the policy rule's word, else refuse for a device with a serial, equivalent without.</summary>
    public string? Migration { get; init; }
}

/// <summary><c>devices.detach</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DetachParams
{
    public string? Device { get; init; }
    public string? Instance { get; init; }

    /// <summary>auto (the default, also when null), live or config.</summary>
    public string? Mode { get; init; }
}

/// <summary><c>instances.devices</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record InstanceParams
{
    public string? Instance { get; init; }
}

/// <summary>What an ownership call leaves: the device and the claim.</summary>
public sealed record AssignmentResult
{
    public required DeviceRecord Device { get; init; }
    public string? InstanceUuid { get; init; }
    public string? State { get; init; }
    public long? Token { get; init; }
    public string? ExpiresAt { get; init; }
    public string? Alias { get; init; }

    /// <summary>What a live migration does with the device (refuse, equivalent, drop), when the claim says.</summary>
    public string? Migration { get; init; }
}

/// <summary><c>devices.swap</c>: the seed's resize A→B; the instance gives up <c>from</c> and takes <c>to</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SwapParams
{
    /// <summary>Domain UUID or name.</summary>
    public string? Instance { get; init; }

    /// <summary>The device attached now.</summary>
    public string? From { get; init; }

    /// <summary>The device that takes its place (same flags and missing-device policy).</summary>
    public string? To { get; init; }

    /// <summary>auto (the default, also when null), live or config.</summary>
    public string? Mode { get; init; }
}

/// <summary><c>devices.set_migration</c>: change what a live migration does with an attached or reserved device.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SetMigrationParams
{
    public string? Device { get; init; }

    /// <summary>refuse, equivalent or drop.</summary>
    public string? Migration { get; init; }
}

/// <summary><c>instances.migration_check</c>: what a live migration of the instance would do with each of its devices.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record MigrationCheckParams
{
    /// <summary>Domain UUID or name.</summary>
    public string? Instance { get; init; }

    /// <summary>The destination host (its Placement root provider name), when known; with Placement on its free devices are counted.</summary>
    public string? Destination { get; init; }
}

/// <summary>The answer of <c>instances.migration_check</c>.</summary>
public sealed record MigrationCheckResult
{
    public required string InstanceUuid { get; init; }

    /// <summary>False when any device refuses to move (or the destination lacks an equivalent, when that is known).</summary>
    public required bool Allowed { get; init; }

    public string? Destination { get; init; }

    public required IReadOnlyList<MigrationCheckDevice> Devices { get; init; }
}

/// <summary>One device in <see cref="MigrationCheckResult"/>.</summary>
public sealed record MigrationCheckDevice
{
    public required DeviceRecord Device { get; init; }

    /// <summary>refuse, equivalent or drop.</summary>
    public required string Migration { get; init; }

    /// <summary>Whether the decision was the claim's own (true) or the policy's / serial's default.</summary>
    public required bool Explicit { get; init; }

    /// <summary>blocks, moves, needs-equivalent, dropped.</summary>
    public required string Outcome { get; init; }

    /// <summary>The outcome in words, with what to do about it.</summary>
    public required string Why { get; init; }
}
