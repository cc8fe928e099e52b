namespace UsbPassd.Registry;

/// <summary>The <c>kind</c> values of the append-only <c>usb_device_history</c> table.</summary>
public static class HistoryKind
{
    /// <summary>First seen (no earlier row with this dev_id).</summary>
    public const string Added = "added";

    /// <summary>Seen again after it was unplugged; the new row points to the last one.</summary>
    public const string Returned = "returned";

    /// <summary>Same dev_id, new bus/devnum (replug, reboot): old row deleted, new row points to it.</summary>
    public const string Renumbered = "renumbered";

    /// <summary>Same enumeration (port, bus, devnum) but a new dev_id, e.g. a twin with the same serial appeared.</summary>
    public const string Reidentified = "reidentified";

    /// <summary>Gone and not owned: the row is marked deleted.</summary>
    public const string Unplugged = "unplugged";

    /// <summary>Gone while owned by an instance: the row stays live with status missing.</summary>
    public const string Missing = "missing";

    public const string StatusChanged = "status_changed";
}
