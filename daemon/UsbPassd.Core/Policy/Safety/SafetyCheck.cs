namespace UsbPassd.Policy;

/// <summary>
/// The built-in host safety checks. All are on for every device; an allow rule switches one off for
/// the devices it matches only by naming it (<c>override mounted-storage</c>).
/// </summary>
[Flags]
public enum SafetyCheck
{
    None = 0,

    /// <summary><c>root-hub</c>: the host controller's own hub.</summary>
    RootHub = 1,

    /// <summary><c>hub</c>: an external hub (every device behind it would leave the host too).</summary>
    Hub = 2,

    /// <summary><c>mounted-storage</c>: a disk or partition of the device is mounted on the host.</summary>
    MountedStorage = 4,

    /// <summary><c>swap-storage</c>: a disk or partition of the device is the host's swap.</summary>
    SwapStorage = 8,

    /// <summary><c>held-storage</c>: a disk or partition of the device is held by device-mapper, RAID or bcache.</summary>
    HeldStorage = 16,

    /// <summary><c>last-keyboard</c>: the device is the last keyboard of a host that has a local console.</summary>
    LastKeyboard = 32,
}
