namespace UsbPassd.Libvirt;

/// <summary>Whose device a libvirt device event's alias names.</summary>
public enum AliasOwner
{
    /// <summary>Not a hostdev (a disk, a NIC, a tablet libvirt named): it does not change who owns a USB device.</summary>
    NotHostdev,

    /// <summary>Ours (<see cref="HostdevXml.AliasPrefix"/>): an attach or detach of usbpassd, settled against the ledger.</summary>
    Ours,

    /// <summary>A hostdev libvirt named (hostdevN) or a user alias of someone else ("ua-…"): done outside usbpassd.</summary>
    Other,
}

/// <summary>Reads a device alias from libvirt's device-added and device-removed events.</summary>
public static class HostdevAlias
{
    // libvirt names hostdevs hostdevN; "ua-" aliases are chosen by users (ours among them).
    public static AliasOwner Owner(string alias) =>
        alias.StartsWith(HostdevXml.AliasPrefix, StringComparison.Ordinal) ? AliasOwner.Ours
        : alias.StartsWith("hostdev", StringComparison.Ordinal) || alias.StartsWith("ua-", StringComparison.Ordinal) ? AliasOwner.Other
        : AliasOwner.NotHostdev;
}
