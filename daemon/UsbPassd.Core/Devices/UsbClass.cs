namespace UsbPassd.Devices;

/// <summary>USB-IF class codes that UsbPassd's rules refer to.</summary>
public static class UsbClass
{
    public const byte PerInterface = 0x00;
    public const byte Hid = 0x03;
    public const byte MassStorage = 0x08;
    public const byte Hub = 0x09;
    public const byte SmartCard = 0x0b;
    public const byte Miscellaneous = 0xef;
    public const byte VendorSpecific = 0xff;

    /// <summary>Linux Foundation: the vendor id of every root hub the kernel emulates.</summary>
    public const ushort LinuxFoundationVendor = 0x1d6b;
}
