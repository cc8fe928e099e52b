namespace UsbPassd.Uevents;

/// <summary>The two multicast groups of NETLINK_KOBJECT_UEVENT.</summary>
public enum UeventGroup
{
    /// <summary>Group 1: the kernel's raw <c>action@devpath</c> messages, sent before udev has run.</summary>
    Kernel = 1,

    /// <summary>Group 2: udevd's re-broadcast (<c>libudev</c> header) after its rules ran: the device is initialised.</summary>
    Udev = 2,
}
