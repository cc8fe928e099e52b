using UsbPassd.Devices;

namespace UsbPassd.Policy;

/// <summary>The built-in safety checks: what would go wrong on the host if this device left it.</summary>
internal static class HostSafety
{
    public static List<SafetyRefusal> Check(UsbDevice device, HostFacts facts)
    {
        var refusals = new List<SafetyRefusal>();
        if (device.IsRootHub)
        {
            refusals.Add(new SafetyRefusal(SafetyCheck.RootHub, $"{device.PortId} is a root hub, the host controller itself"));
        }
        else if (device.IsHub)
        {
            refusals.Add(new SafetyRefusal(SafetyCheck.Hub, $"{device.PortId} is a hub: every device behind it would leave the host too"));
        }

        foreach (BlockDeviceUse use in facts.BlockDevicesInUse)
        {
            SafetyCheck check = use.Use switch
            {
                BlockUse.Mounted => SafetyCheck.MountedStorage,
                BlockUse.Swap => SafetyCheck.SwapStorage,
                _ => SafetyCheck.HeldStorage,
            };
            refusals.Add(new SafetyRefusal(check, use.ToString()));
        }

        if (facts.HasLocalConsole && facts.OtherKeyboards == 0 && (facts.DeviceHasKeyboard || IsBootKeyboard(device)))
        {
            refusals.Add(new SafetyRefusal(SafetyCheck.LastKeyboard, $"{device.PortId} is the last keyboard of a host with a local console"));
        }

        return refusals;
    }

    // HID boot keyboard (03:01:01): the interface every keyboard that works in a BIOS has.
    private static bool IsBootKeyboard(UsbDevice device) =>
        device.Interfaces.Any(i => i is { Class: UsbClass.Hid, SubClass: 0x01, Protocol: 0x01 });
}
