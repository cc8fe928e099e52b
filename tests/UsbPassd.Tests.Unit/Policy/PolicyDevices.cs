using UsbPassd.Devices;
using UsbPassd.Policy;
using UsbPassd.Tests.Unit.Devices;

namespace UsbPassd.Tests.Unit.Policy;

/// <summary>The devices the policy and safety check tests judge, and a host with nothing in use.</summary>
internal static class PolicyDevices
{
    public static readonly HostFacts Idle = new();

    public static readonly UsbDevice Dongle = TestDevices.Make("1-4.2", vendor: 0x0529, product: 0x0001, serial: "HASP7") with
    {
        Product = "HASP HL 3.25",
        Interfaces = [new UsbInterface(0, 0xff, 0x00, 0x00)],
    };

    public static readonly UsbDevice Keyboard = TestDevices.Make("1-2", vendor: 0x046d, product: 0xc31c) with
    {
        Interfaces = [new UsbInterface(0, 0x03, 0x01, 0x01), new UsbInterface(1, 0x03, 0x00, 0x00)],
    };

    public static readonly UsbDevice Stick = TestDevices.Make("2-1", vendor: 0x0781, product: 0x5581, serial: "4C53") with
    {
        Interfaces = [new UsbInterface(0, 0x08, 0x06, 0x50)],
    };

    public static readonly UsbDevice RootHub = TestDevices.Make("usb1", vendor: 0x1d6b, product: 0x0002, cls: UsbClass.Hub);

    public static readonly UsbDevice Hub = TestDevices.Make("1-1", vendor: 0x05e3, product: 0x0608, cls: UsbClass.Hub);

    /// <summary>A host whose only use of the device's storage is <paramref name="uses"/>.</summary>
    public static HostFacts Using(params BlockDeviceUse[] uses) => new() { BlockDevicesInUse = uses };
}
