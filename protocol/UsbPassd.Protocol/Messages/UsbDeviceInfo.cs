namespace UsbPassd.Protocol.Messages;

/// <summary>
/// One USB device as clients see it (<c>usbpassctl scan --json</c>, <c>devices.list</c>).
/// Ids are 4 (or 2) lowercase hex digits. <see cref="Manufacturer"/>, <see cref="Product"/> and
/// <see cref="Serial"/> are the device's own strings: null when it has none, "" when it has an empty one.
/// </summary>
public sealed record UsbDeviceInfo
{
    public required string PortId { get; init; }
    public string? ParentPortId { get; init; }
    public required int BusId { get; init; }
    public required int DeviceId { get; init; }
    public required string Address { get; init; }
    public required string DevId { get; init; }
    public required string VendorId { get; init; }
    public required string ProductId { get; init; }
    public string? BcdDevice { get; init; }
    public required string DeviceClass { get; init; }
    public string? DeviceSubclass { get; init; }
    public string? DeviceProtocol { get; init; }
    public string? DeviceClassName { get; init; }
    public string? VendorName { get; init; }
    public string? ProductName { get; init; }
    public string? Manufacturer { get; init; }
    public string? Product { get; init; }
    public string? Serial { get; init; }
    public double? SpeedMbps { get; init; }
    public string? Devpath { get; init; }
    public string? SysfsPath { get; init; }
    public string? Removable { get; init; }
    public bool? Authorized { get; init; }
    public int? Maxchild { get; init; }
    public required bool IsHub { get; init; }
    public required bool IsRootHub { get; init; }
    public required IReadOnlyList<UsbInterfaceInfo> Interfaces { get; init; }
    public required bool Ambiguous { get; init; }
    public required bool Eligible { get; init; }
    public string? IneligibleReason { get; init; }

    /// <summary>The policy rule that decided (<c>rule 3 'block with-interface 03:*:*'</c>, <c>the default</c>); null without a policy (usbpassctl scan).</summary>
    public string? PolicyRule { get; init; }

    /// <summary>The policy decision in words, as <c>policy.check</c> gives it at the time of the scan.</summary>
    public string? PolicyReason { get; init; }
}
