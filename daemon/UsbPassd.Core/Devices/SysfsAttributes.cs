namespace UsbPassd.Devices;

/// <summary>The sysfs attribute file names UsbPassd reads, NUL-terminated for openat(2).</summary>
internal static class SysfsAttributes
{
    public static ReadOnlySpan<byte> IdVendor => "idVendor\0"u8;
    public static ReadOnlySpan<byte> IdProduct => "idProduct\0"u8;
    public static ReadOnlySpan<byte> BcdDevice => "bcdDevice\0"u8;
    public static ReadOnlySpan<byte> DeviceClass => "bDeviceClass\0"u8;
    public static ReadOnlySpan<byte> DeviceSubClass => "bDeviceSubClass\0"u8;
    public static ReadOnlySpan<byte> DeviceProtocol => "bDeviceProtocol\0"u8;
    public static ReadOnlySpan<byte> ConfigurationValue => "bConfigurationValue\0"u8;
    public static ReadOnlySpan<byte> BusNumber => "busnum\0"u8;
    public static ReadOnlySpan<byte> DeviceNumber => "devnum\0"u8;
    public static ReadOnlySpan<byte> DevPath => "devpath\0"u8;
    public static ReadOnlySpan<byte> Speed => "speed\0"u8;
    public static ReadOnlySpan<byte> Serial => "serial\0"u8;
    public static ReadOnlySpan<byte> Manufacturer => "manufacturer\0"u8;
    public static ReadOnlySpan<byte> Product => "product\0"u8;
    public static ReadOnlySpan<byte> Removable => "removable\0"u8;
    public static ReadOnlySpan<byte> Authorized => "authorized\0"u8;
    public static ReadOnlySpan<byte> MaxChild => "maxchild\0"u8;
    public static ReadOnlySpan<byte> Descriptors => "descriptors\0"u8;
    public static ReadOnlySpan<byte> InterfaceClass => "bInterfaceClass\0"u8;
    public static ReadOnlySpan<byte> InterfaceSubClass => "bInterfaceSubClass\0"u8;
    public static ReadOnlySpan<byte> InterfaceProtocol => "bInterfaceProtocol\0"u8;

    /// <summary>The C name without its terminator, for messages.</summary>
    public static string Name(ReadOnlySpan<byte> nameZ) => System.Text.Encoding.ASCII.GetString(nameZ[..^1]);
}
