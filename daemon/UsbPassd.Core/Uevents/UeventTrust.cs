namespace UsbPassd.Uevents;

/// <summary>
/// Who may send us uevents (tech.md §6.2): anyone can unicast to a netlink socket, so without
/// these checks a local user could forge an "add" and steer what is attached to a VM. Checked
/// before the bytes are parsed.
/// </summary>
public static class UeventTrust
{
    /// <summary>Null when the sender is trusted, else why not.</summary>
    /// <param name="group">The group the socket listens to.</param>
    /// <param name="senderPort">The sender's netlink port id (0 = the kernel).</param>
    /// <param name="uid">The sender's uid from SCM_CREDENTIALS, null when the message carried none.</param>
    /// <param name="pid">The sender's pid from SCM_CREDENTIALS.</param>
    /// <param name="isUdevd">Whether a pid is udevd's (reads /proc in the daemon, a table in tests).</param>
    public static string? Refusal(UeventGroup group, uint senderPort, uint? uid, int pid, Func<int, bool> isUdevd)
    {
        if (uid is null)
        {
            return "no sender credentials";
        }

        if (uid != 0)
        {
            return $"sender uid {uid} is not root";
        }

        return group switch
        {
            UeventGroup.Kernel when senderPort != 0 => $"sender port {senderPort} is not the kernel",
            UeventGroup.Udev when senderPort == 0 => null, // the kernel itself is trusted on any group
            UeventGroup.Udev when !isUdevd(pid) => $"sender pid {pid} is not udevd",
            _ => null,
        };
    }
}
