namespace UsbPassd.Policy;

/// <summary>The outcome for one device.</summary>
public enum PolicyVerdict
{
    /// <summary>An allow rule (or default) matched and no host safety check stands in the way.</summary>
    Allowed,

    /// <summary>A block rule (or default) matched.</summary>
    Blocked,

    /// <summary>An allow rule matched, but a host safety check refuses the device and the rule does not override it.</summary>
    Refused,
}
