namespace UsbPassd.Policy;

/// <summary>
/// What the host safety checks need to know beyond the device itself, gathered by
/// <see cref="HostFactsReader"/> (or written by a test). The default instance knows of nothing in use:
/// no console, no other keyboard, no block device in use.
/// </summary>
public sealed record HostFacts
{
    /// <summary>The kernel console includes a virtual terminal (tty0, tty1…): someone may need a keyboard at the host.</summary>
    public bool HasLocalConsole { get; init; }

    /// <summary>Keyboards the host keeps that are not on this device (or behind it, for a hub); counted only when a HID device is judged.</summary>
    public int OtherKeyboards { get; init; }

    /// <summary>
    /// The host sees a keyboard on this device. A device with a HID boot keyboard interface
    /// (03:01:01) counts as a keyboard anyway; this also catches keyboards without the boot protocol.
    /// </summary>
    public bool DeviceHasKeyboard { get; init; }

    /// <summary>The device's disks and partitions that the host mounts, swaps on or stacks another block device on.</summary>
    public IReadOnlyList<BlockDeviceUse> BlockDevicesInUse { get; init; } = [];
}
