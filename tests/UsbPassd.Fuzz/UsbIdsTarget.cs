using System.Buffers.Binary;
using UsbPassd.Devices;

namespace UsbPassd.Fuzz;

/// <summary>The <c>usb.ids</c> reader (names for the inventory) and its look-ups; nothing may throw.</summary>
public static class UsbIdsTarget
{
    public static void Run(byte[] input)
    {
        UsbIds ids = UsbIds.Parse(input);
        ushort vendor = input.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(input) : (ushort)0x1d6b;
        _ = ids.Vendor(vendor);
        _ = ids.Product(vendor, 0x0002);
        _ = ids.Class(input.Length > 0 ? input[^1] : (byte)0x09);
    }
}
