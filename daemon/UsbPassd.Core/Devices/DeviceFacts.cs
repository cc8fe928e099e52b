namespace UsbPassd.Devices;

/// <summary>
/// Everything known of one device at its last scan, as the registry keeps it in <c>extra_info</c>
/// (so a listing shows every fact without reading sysfs again). The JSON it is stored as is fixed:
/// the property order and names (snake_case, nulls written) are those of the protocol's
/// <c>UsbDeviceInfo</c>, which rows written before this type existed hold.
/// </summary>
public sealed record DeviceFacts
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
    public required IReadOnlyList<InterfaceFacts> Interfaces { get; init; }
    public required bool Ambiguous { get; init; }
    public required bool Eligible { get; init; }
    public string? IneligibleReason { get; init; }
    public string? PolicyRule { get; init; }
    public string? PolicyReason { get; init; }
}
