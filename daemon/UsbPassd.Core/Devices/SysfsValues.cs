using System.Globalization;

namespace UsbPassd.Devices;

/// <summary>Strict parsers for the numeric sysfs formats the kernel writes (<c>%04x</c>, <c>%02x</c>, <c>%d</c>).</summary>
public static class SysfsValues
{
    // The kernel pads some numbers with spaces (%2d); padding is tolerated, nothing else is.
    private const NumberStyles Padded = NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite;

    public static bool TryHex16(string? text, out ushort value) =>
        ushort.TryParse(text, Padded | NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
        && text!.Trim().Length <= 4;

    public static bool TryHex8(string? text, out byte value) =>
        byte.TryParse(text, Padded | NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
        && text!.Trim().Length <= 2;

    public static bool TryDecimal(string? text, out int value) =>
        int.TryParse(text, Padded, CultureInfo.InvariantCulture, out value) && value >= 0;

    /// <summary>The speed attribute as a number of Mbit/s ("1.5" is low speed); null when absent or not a number.</summary>
    public static double? SpeedMbps(string? speed) =>
        double.TryParse(speed, NumberStyles.AllowDecimalPoint | Padded, CultureInfo.InvariantCulture, out double v) && v > 0 ? v : null;
}
