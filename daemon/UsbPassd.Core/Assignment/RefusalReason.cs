namespace UsbPassd.Assignment;

/// <summary>Why an assignment operation did not do what it was asked (the RPC edge maps each to an error code).</summary>
public enum RefusalReason
{
    /// <summary>A request missing a value or with one out of range.</summary>
    InvalidRequest,

    /// <summary>No live device by that name.</summary>
    DeviceNotFound,

    /// <summary>The name fits more than one device.</summary>
    DeviceAmbiguous,

    /// <summary>No libvirt domain by that name or UUID.</summary>
    InstanceNotFound,

    /// <summary>Another instance holds the device (or the caller's fencing token is stale): <see cref="AssignmentRefusedException.Owner"/> says who.</summary>
    Owned,

    /// <summary>The caller's reservation (named by its token) is over.</summary>
    ReservationGone,

    /// <summary>The caller does not hold the device as the operation needs (not reserved by it, attached, not attached).</summary>
    NotHeld,

    /// <summary>The device cannot be passed as it is (unplugged, a seed-era row without ids).</summary>
    NotPassable,

    /// <summary>The policy or a host safety check refuses the device (recorded in the history).</summary>
    PolicyRefused,

    /// <summary>The domain cannot take it this way (its state, mode, no free USB port).</summary>
    DomainRefuses,

    /// <summary>usbpassd runs without libvirt or cannot reach it.</summary>
    LibvirtUnavailable,

    /// <summary>libvirt refused the call, or did not confirm it in time.</summary>
    LibvirtFailed,

    /// <summary>The caller stopped waiting; the operation goes on and settles by itself.</summary>
    StoppedWaiting,
}
