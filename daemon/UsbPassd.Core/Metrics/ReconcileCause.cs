namespace UsbPassd.Metrics;

/// <summary>What asked for a reconcile with libvirt's domain XML.</summary>
public enum ReconcileCause
{
    /// <summary>The daemon started: settle what a crash or a stop left half done.</summary>
    Start,

    /// <summary>libvirtd came back: its events were lost meanwhile.</summary>
    Reconnect,

    /// <summary>A domain started, stopped, was defined or undefined.</summary>
    Lifecycle,

    /// <summary>libvirt's qemu hook told of a domain starting, stopping or being released.</summary>
    Hook,

    /// <summary>A hostdev came or went that usbpassd did not put there or wait for.</summary>
    Hostdev,

    /// <summary>Our own hostdev came, but the ledger does not hold it as ours.</summary>
    OwnHostdev,

    /// <summary>An attach, detach or swap ended on a device an earlier pass left to it (it was in flight).</summary>
    PassedOver,
}
