using UsbPassd.Devices;

namespace UsbPassd.Fuzz;

/// <summary>
/// What the scanner reads from sysfs: the binary <c>descriptors</c> file (device, then the
/// interfaces of the active configuration, chosen by the second byte), the text attributes
/// (hex ids and classes, decimal numbers, speed), and the device directory's name (the port path).
/// The first byte chooses which. All of them are Try-parsers: nothing may throw.
/// </summary>
public static class SysfsTarget
{
    public static void Run(byte[] input)
    {
        if (input.Length < 2)
        {
            return;
        }

        ReadOnlySpan<byte> rest = input.AsSpan(2);
        switch (input[0] % 3)
        {
            case 0:
                _ = UsbDescriptors.TryParseDevice(rest, out _);
                _ = UsbDescriptors.TryParseInterfaces(rest, input[1] == 0 ? null : input[1], out _);
                break;
            case 1:
                string value = SysfsText.Decode(rest);
                _ = SysfsValues.TryHex16(value, out _);
                _ = SysfsValues.TryHex8(value, out _);
                _ = SysfsValues.TryDecimal(value, out _);
                _ = SysfsValues.SpeedMbps(value);
                break;
            default:
                string name = SysfsText.Decode(rest);
                if (UsbPortPath.TryParse(name, out UsbPortPath? path) && (!UsbPortPath.TryParse(path.ToString(), out UsbPortPath? again) || again != path))
                {
                    throw new InvalidOperationException($"port path '{name}' reads as {path}, which does not read back as itself");
                }

                break;
        }
    }
}
