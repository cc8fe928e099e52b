using UsbPassd.Devices;

namespace UsbPassd.Policy;

/// <summary><c>last-keyboard</c>: the device is the last keyboard of a host that has a local console.</summary>
internal sealed class LastKeyboardCheck() : SafetyCheck("last-keyboard", HostFact.Console | HostFact.Keyboards)
{
    public override IEnumerable<string> Refuse(UsbDevice device, HostFacts facts) =>
        facts.HasLocalConsole && facts.OtherKeyboards == 0 && (facts.DeviceHasKeyboard || IsBootKeyboard(device))
            ? [$"{device.PortId} is the last keyboard of a host with a local console"]
            : [];

    // HID boot keyboard (03:01:01): the interface every keyboard that works in a BIOS has.
    private static bool IsBootKeyboard(UsbDevice device) =>
        device.Interfaces.Any(i => i is { Class: UsbClass.Hid, SubClass: 0x01, Protocol: 0x01 });
}
