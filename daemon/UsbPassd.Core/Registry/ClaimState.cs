namespace UsbPassd.Registry;

/// <summary>
/// Where a claim stands. The ledger stores each as the word the device row's status mirrors
/// (<see cref="DeviceStatus"/>); <see cref="ClaimStates"/> is the one place that maps them.
/// </summary>
public enum ClaimState
{
    /// <summary>Held for an instance, not in any domain (the scheduler's reservation, or an attach rolled back).</summary>
    Reserved,

    /// <summary>Claimed, libvirt asked to attach; the confirmation is still to come.</summary>
    Attaching,
    Attached,

    /// <summary>libvirt asked to detach; its device-removed event is still to come.</summary>
    Detaching,

    /// <summary>Named by a domain's XML that usbpassd did not write: recorded so nobody attaches it twice.</summary>
    External,
}
