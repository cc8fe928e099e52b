using UsbPassd.Devices;

namespace UsbPassd.Tests.Unit.Devices;

/// <summary>Small device facts for pure tests of identity and reconciliation.</summary>
internal static class TestDevices
{
    public static UsbDevice Make(string port, ushort vendor = 0x46f4, ushort product = 0x0001, string? serial = null, int? devnum = null, byte cls = 0) => new()
    {
        Port = UsbPortPath.Parse(port),
        Bus = UsbPortPath.Parse(port).Bus,
        DeviceNumber = devnum ?? 2,
        VendorId = vendor,
        ProductId = product,
        DeviceClass = cls,
        Serial = serial,
    };

    public static IReadOnlyList<DiscoveredDevice> Discover(params UsbDevice[] devices) => Inventory.Build(devices, UsbIds.Empty);

    /// <summary>Every fact read for a device as one string, interfaces included (the record compares lists by reference).</summary>
    public static string Describe(UsbDevice d) => $"{d with { Interfaces = [] }} interfaces [{string.Join(", ", d.Interfaces)}]";
}
