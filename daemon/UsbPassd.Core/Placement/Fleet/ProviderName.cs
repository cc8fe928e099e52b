using System.Text.RegularExpressions;

namespace UsbPassd.Placement.Fleet;

/// <summary>
/// Reads back what <see cref="PlacementNames.DeviceProviderName"/> wrote: the tail
/// <c>_usb_&lt;vid&gt;_&lt;pid&gt;_&lt;12 hex&gt;</c> gives the device's class without asking Placement for its
/// inventory (a name someone changed gives none, and the inventory is read instead).
/// </summary>
public static partial class ProviderName
{
    /// <summary><c>CUSTOM_USB_VVVV_PPPP</c>, or null when the name is not one usbpassd gave.</summary>
    public static string? ResourceClass(string name) =>
        Tail().Match(name) is { Success: true } m ? PlacementNames.ResourceClass(m.Groups[1].Value, m.Groups[2].Value) : null;

    /// <summary><c>vvvv:pppp</c> of a class usbpassd names (<c>CUSTOM_USB_0781_5567</c>), else null.</summary>
    public static string? VidPid(string? resourceClass) =>
        resourceClass is not null && Class().Match(resourceClass) is { Success: true } m
            ? $"{m.Groups[1].Value.ToLowerInvariant()}:{m.Groups[2].Value.ToLowerInvariant()}"
            : null;

    [GeneratedRegex("_usb_([0-9a-f]{4})_([0-9a-f]{4})_[0-9a-f]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex Tail();

    [GeneratedRegex("^CUSTOM_USB_([0-9A-F]{4})_([0-9A-F]{4})$", RegexOptions.CultureInvariant)]
    private static partial Regex Class();
}
