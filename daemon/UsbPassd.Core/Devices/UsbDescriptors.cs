namespace UsbPassd.Devices;

/// <summary>
/// Reads the interface list out of the raw descriptors (sysfs <c>descriptors</c>: the device
/// descriptor followed by every configuration descriptor with its interfaces and endpoints).
/// One read gives every interface, also where sysfs has no interface directories (unconfigured
/// devices, recordings that kept only one of them); udev's usb_id builtin does the same.
/// The bytes are what the device's firmware sent: every length in them (bLength, wTotalLength)
/// is checked against what is left before it is used, so any bytes give true or false, never an
/// exception.
/// </summary>
public static class UsbDescriptors
{
    private const byte DeviceType = 1;
    private const byte ConfigurationType = 2;
    private const byte InterfaceType = 4;
    private const int DeviceLength = 18;
    private const int ConfigurationLength = 9;
    private const int InterfaceLength = 9;

    /// <summary>The identifying fields of the 18-byte device descriptor.</summary>
    public readonly record struct DeviceDescriptor(ushort VendorId, ushort ProductId, ushort BcdDevice, byte Class, byte SubClass, byte Protocol, byte ConfigurationCount);

    public static bool TryParseDevice(ReadOnlySpan<byte> blob, out DeviceDescriptor device)
    {
        device = default;
        // A bLength past the data is a cut or lying descriptor: nothing after it can be found.
        if (blob.Length < DeviceLength || blob[0] < DeviceLength || blob[0] > blob.Length || blob[1] != DeviceType)
        {
            return false;
        }

        device = new DeviceDescriptor(
            VendorId: ReadLe16(blob[8..]),
            ProductId: ReadLe16(blob[10..]),
            BcdDevice: ReadLe16(blob[12..]),
            Class: blob[4],
            SubClass: blob[5],
            Protocol: blob[6],
            ConfigurationCount: blob[17]);
        return true;
    }

    /// <summary>
    /// The alternate-setting-0 interfaces of the configuration whose bConfigurationValue is
    /// <paramref name="activeConfiguration"/> (the first configuration when it is null or not found),
    /// in descriptor order. False when the blob is not a well-formed device descriptor.
    /// </summary>
    public static bool TryParseInterfaces(ReadOnlySpan<byte> blob, int? activeConfiguration, out UsbInterface[] interfaces)
    {
        interfaces = [];
        if (!TryParseDevice(blob, out _))
        {
            return false;
        }

        ReadOnlySpan<byte> chosen = default;
        ReadOnlySpan<byte> rest = blob[blob[0]..]; // TryParseDevice: 18 <= bLength <= blob.Length
        while (rest.Length >= ConfigurationLength && rest[1] == ConfigurationType && rest[0] >= ConfigurationLength)
        {
            // wTotalLength covers the configuration and everything in it; never trust it past the blob
            // (nor below bLength, which is at least 9: every step moves on and configuration[5] exists).
            int total = Math.Min(Math.Max((int)ReadLe16(rest[2..]), rest[0]), rest.Length);
            ReadOnlySpan<byte> configuration = rest[..total];
            if (chosen.IsEmpty || configuration[5] == activeConfiguration)
            {
                chosen = configuration;
                if (configuration[5] == activeConfiguration)
                {
                    break;
                }
            }

            rest = rest[total..];
        }

        if (chosen.IsEmpty)
        {
            return true; // A device with no readable configuration has no interfaces.
        }

        var found = new List<UsbInterface>(chosen[4]);
        ReadOnlySpan<byte> walk = chosen[Math.Min((int)chosen[0], chosen.Length)..];
        // Each descriptor must fit in what is left; a zero or one-byte bLength would never move on.
        while (walk.Length >= 2 && walk[0] >= 2 && walk[0] <= walk.Length)
        {
            if (walk[1] == InterfaceType && walk[0] >= InterfaceLength && walk[3] == 0)
            {
                found.Add(new UsbInterface(walk[2], walk[5], walk[6], walk[7]));
            }

            walk = walk[walk[0]..];
        }

        interfaces = [.. found];
        return true;
    }

    private static ushort ReadLe16(ReadOnlySpan<byte> b) => (ushort)(b[0] | (b[1] << 8));
}
