namespace UsbPassd.Rpc;

/// <summary>What a method needs from its caller (USBGuard's per-handler privileges).</summary>
public enum Privilege
{
    /// <summary>Look: root, the socket group, or the admin group.</summary>
    Read,

    /// <summary>Change ownership (reserve, attach...): root or the admin group.</summary>
    Modify,
}
