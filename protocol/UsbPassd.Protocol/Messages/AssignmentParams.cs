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
