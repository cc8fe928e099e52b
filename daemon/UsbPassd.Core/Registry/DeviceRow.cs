namespace UsbPassd.Registry;

/// <summary>
/// A row of <c>usb_devices</c>. The first block of columns is the seed's (the OpenStack spec's
/// table); the rest is what identity and history need. <c>deleted</c> is 0 for a live row and the
/// row's own id once deleted (Nova's convention, so unique indexes can include it).
/// </summary>
public sealed class DeviceRow
{
    public long Id { get; set; }
    public string CreatedAt { get; set; } = "";
    public string? UpdatedAt { get; set; }
    public string? DeletedAt { get; set; }
    public long Deleted { get; set; }
    public long ComputeNodeId { get; set; }
    public string Address { get; set; } = "";
    public string? ProductId { get; set; }
    public string? VendorId { get; set; }
    public long? BusId { get; set; }
    public long? DeviceId { get; set; }
    public string? PortId { get; set; }
    public string? DevId { get; set; }
    public string Status { get; set; } = "";
    public string? ExtraInfo { get; set; }
    public string? InstanceUuid { get; set; }

    public long? PreviousId { get; set; }
    public string? Serial { get; set; }
    public long Present { get; set; }
    public long Ambiguous { get; set; }
    public long Eligible { get; set; }
    public string? IneligibleReason { get; set; }
    public string? SysfsPath { get; set; }
    public string? LastSeenAt { get; set; }

    public bool IsOwned => InstanceUuid is not null;
}
