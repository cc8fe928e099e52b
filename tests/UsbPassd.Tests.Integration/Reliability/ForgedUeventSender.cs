using System.Diagnostics;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// A userspace process that sends one uevent over NETLINK_KOBJECT_UEVENT (python3's AF_NETLINK, so
/// no P/Invoke here), as root or as another uid (setpriv). Unicast to the daemon's port: a multicast
/// on the kernel group would reach every other usbpassd on this shared machine too.
/// </summary>
internal static class ForgedUeventSender
{
    // The system's python, not a shim under root's home that another uid cannot read.
    private const string Python = "/usr/bin/python3";

    private const string Script = """
        import socket, sys
        port, kind, devpath = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        body = ("add@%s\0ACTION=add\0DEVPATH=%s\0SUBSYSTEM=usb\0DEVTYPE=usb_device\0SEQNUM=424242\0" % (devpath, devpath)).encode()
        if kind == "bad-libudev-header":
            # libudev's header with a wrong magic (0xfeedcafe is udev's; this is not), then the properties
            body = b"libudev\0" + (0xdeadbeef).to_bytes(4, "big") + (40).to_bytes(4, "little") + (40).to_bytes(4, "little") + len(body).to_bytes(4, "little") + bytes(24) + body
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15)  # NETLINK_KOBJECT_UEVENT
        s.bind((0, 0))
        s.sendto(body, (port, 0))
        """;

    /// <param name="user">null: root; else a uid setpriv switches to before python runs, keeping CAP_NET_ADMIN,
    /// without which the kernel refuses (EPERM) any send on this protocol by a non-root process.</param>
    public static void Send(uint daemonPort, string kind, string devpath, string? user)
    {
        var psi = new ProcessStartInfo(user is null ? Python : "setpriv") { RedirectStandardError = true };
        if (user is not null)
        {
            foreach (string a in (string[])[$"--reuid={user}", $"--regid={user}", "--clear-groups", "--inh-caps=+net_admin", "--ambient-caps=+net_admin", Python])
            {
                psi.ArgumentList.Add(a);
            }
        }

        foreach (string a in (string[])["-c", Script, $"{daemonPort}", kind, devpath])
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"the forged uevent was not sent: {err}");
    }
}
