using System.Globalization;

namespace UsbPassd.Uevents;

/// <summary>One parsed uevent: the action, the device path under /sys, and every property.</summary>
public sealed record Uevent(UeventGroup Group, string Action, string DevPath, IReadOnlyDictionary<string, string> Properties)
{
    public string? Subsystem => Properties.GetValueOrDefault("SUBSYSTEM");

    public string? DevType => Properties.GetValueOrDefault("DEVTYPE");

    public long? Seqnum => long.TryParse(Properties.GetValueOrDefault("SEQNUM"), NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : null;

    /// <summary>A USB device (not an interface, endpoint or anything else).</summary>
    public bool IsUsbDevice => Subsystem == "usb" && DevType == "usb_device";

    /// <summary>The kernel name: the last component of the device path (<c>1-2.3</c>, <c>usb1</c>).</summary>
    public string Name => DevPath[(DevPath.LastIndexOf('/') + 1)..];

    public override string ToString() => $"{Group.ToString().ToLowerInvariant()} {Action} {DevPath} (seq {Seqnum?.ToString(CultureInfo.InvariantCulture) ?? "?"})";
}
