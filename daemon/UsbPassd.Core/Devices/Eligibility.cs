namespace UsbPassd.Devices;

/// <summary>Whether a device may be passed to a VM at all, before any operator policy.</summary>
public static class Eligibility
{
    public const string RootHub = "root_hub";
    public const string Hub = "hub";

    /// <summary>Null when eligible, else a short machine-readable reason.</summary>
    public static string? IneligibleReason(UsbDevice device) =>
        // A hub is infrastructure: passing it would take every device behind it away from the host,
        // and QEMU's usb-host refuses hubs anyway.
        device.IsRootHub ? RootHub
        : device.IsHub ? Hub
        : null;
}
