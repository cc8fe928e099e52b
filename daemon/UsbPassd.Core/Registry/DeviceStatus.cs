namespace UsbPassd.Registry;

/// <summary>The <c>status</c> values of <c>usb_devices</c> (design.md).</summary>
public static class DeviceStatus
{
    public const string Available = "available";
    public const string Reserved = "reserved";
    public const string Attaching = "attaching";
    public const string Attached = "attached";
    public const string Detaching = "detaching";

    /// <summary>Owned by an instance but unplugged: the row stays live so ownership is not lost.</summary>
    public const string Missing = "missing";
    public const string Failed = "failed";

    /// <summary>Named by a domain's XML that usbpassd did not write (virsh attach-device by hand...): not ours to give.</summary>
    public const string External = "external";

    /// <summary>Not eligible for passthrough (hubs) or refused by policy.</summary>
    public const string Blocked = "blocked";
    public const string Ambiguous = "ambiguous";
    public const string Deleted = "deleted";
}
