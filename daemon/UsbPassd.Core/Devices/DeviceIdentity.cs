namespace UsbPassd.Devices;

/// <summary>
/// The identity rules of design.md. <c>port_id</c> says where a device is plugged; <c>dev_id</c>
/// says which device it is and survives replug and reboot:
/// <list type="bullet">
/// <item><c>vvvv:pppp:serial</c> when the device has a serial that no other present device with the
/// same ids shares;</item>
/// <item><c>vvvv:pppp@port_id</c> otherwise (no serial, an empty one, or a duplicated one).</item>
/// </list>
/// Devices that share vendor, product and serial (or all lack one) cannot be told apart except by
/// port: they are <c>ambiguous</c>, never matched automatically, attachable only by port.
/// <para>
/// A dev_id is data, not display text. Its serial is the attribute as <see cref="SysfsText"/> decodes
/// it: valid UTF-8 is kept as the device sent it, control characters (ESC, CR, LF, C1) and bidi
/// controls included, and bytes that are not UTF-8 are the four characters <c>\xHH</c>; never a NUL
/// (sysfs ends the string there). It is stored, compared (registry, policy rules, selectors) and sent
/// (JSON escapes it) exactly, so that the same device always has the same dev_id; whatever shows it
/// to a person must escape it (usbpassctl: <c>Output/Terminal.cs</c>).
/// </para>
/// </summary>
public static class DeviceIdentity
{
    public static string Address(int bus, int deviceNumber) => $"usb_{bus}_{deviceNumber}";

    public static string SerialDevId(ushort vendorId, ushort productId, string serial) => $"{vendorId:x4}:{productId:x4}:{serial}";

    public static string PortDevId(ushort vendorId, ushort productId, string portId) => $"{vendorId:x4}:{productId:x4}@{portId}";

    /// <summary>The identity of each device, in the order given; it depends on every other present device.</summary>
    public static IReadOnlyList<(string DevId, bool Ambiguous)> Assign(IReadOnlyList<UsbDevice> present)
    {
        var counts = new Dictionary<(ushort, ushort, string?), int>();
        foreach (UsbDevice d in present)
        {
            var key = Key(d);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        var result = new (string, bool)[present.Count];
        for (int i = 0; i < present.Count; i++)
        {
            UsbDevice d = present[i];
            bool alone = counts[Key(d)] == 1;
            result[i] = alone && !string.IsNullOrEmpty(d.Serial)
                ? (SerialDevId(d.VendorId, d.ProductId, d.Serial), false)
                : (PortDevId(d.VendorId, d.ProductId, d.PortId), !alone);
        }

        return result;
    }

    // An empty serial identifies nothing: it counts as no serial.
    private static (ushort, ushort, string?) Key(UsbDevice d) =>
        (d.VendorId, d.ProductId, string.IsNullOrEmpty(d.Serial) ? null : d.Serial);
}
