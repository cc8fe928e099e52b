namespace UsbPassd.Policy;

/// <summary>
/// What a host safety check may need to know of the host beyond the device (<see cref="SafetyCheck.Needs"/>),
/// each a part of <see cref="HostFacts"/> that <see cref="HostFactsReader"/> reads only when some check needs it.
/// </summary>
[Flags]
public enum HostFact
{
    None = 0,

    /// <summary><see cref="HostFacts.HasLocalConsole"/>: whether the console includes a virtual terminal.</summary>
    Console = 1,

    /// <summary><see cref="HostFacts.OtherKeyboards"/> and <see cref="HostFacts.DeviceHasKeyboard"/> (read for HID devices only).</summary>
    Keyboards = 2,

    /// <summary>The mount table: <see cref="BlockUse.Mounted"/> entries of <see cref="HostFacts.BlockDevicesInUse"/>.</summary>
    Mounts = 4,

    /// <summary><c>/proc/swaps</c>: <see cref="BlockUse.Swap"/> entries.</summary>
    Swaps = 8,

    /// <summary>The block devices stacked on the device's (<c>holders/</c>): <see cref="BlockUse.Held"/> entries.</summary>
    Holders = 16,

    All = Console | Keyboards | Mounts | Swaps | Holders,
}
