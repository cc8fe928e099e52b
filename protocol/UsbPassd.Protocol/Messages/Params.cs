using System.Text.Json.Serialization;

namespace UsbPassd.Protocol.Messages;

/// <summary><c>devices.list</c> filters; all optional, combined with AND. Unknown names are refused (-32602).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DevicesListParams
{
    public string? Status { get; init; }
    public string? VendorId { get; init; }
    public string? ProductId { get; init; }
    public string? Serial { get; init; }
    public string? InstanceUuid { get; init; }
    public bool IncludeDeleted { get; init; }
}

/// <summary><c>devices.get</c>: exactly one selector.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DevicesGetParams
{
    public long? Id { get; init; }
    public string? DevId { get; init; }
    public string? PortId { get; init; }
    public string? Address { get; init; }
}

/// <summary>The payload of <c>device.added</c>, <c>device.removed</c> and <c>device.changed</c>.</summary>
public sealed record DeviceEvent
{
    public required DeviceRecord Device { get; init; }

    /// <summary>For a device that replaced another row (renumbered, returned): that row's id.</summary>
    public long? ReplacesId { get; init; }
}

/// <summary>The result of <c>events.subscribe</c>.</summary>
public sealed record SubscribeResult
{
    public required IReadOnlyList<string> Events { get; init; }
}

/// <summary>For methods that take no parameters: anything given is refused (-32602).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record NoParams;
