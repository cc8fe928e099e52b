using System.Text;
using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// The real daemon on its real netlink socket (--uevents netlink: the kernel group on a host without
/// udevd, as this one), over a recorded tree the tests add a device to behind its back: only a trusted
/// uevent would make the daemon look at it.
/// </summary>
public sealed class ForgedUeventFixture : DaemonFixture
{
    public ForgedUeventFixture() : this(Tree()) { }

    private ForgedUeventFixture(SysfsTree tree) : base("none", tree, "netlink") => Sysfs = tree;

    public SysfsTree Sysfs { get; }

    private static SysfsTree Tree()
    {
        SysfsTree tree = SysfsTree.CreateTemporary("sys");
        BigTree.Write(tree.Root, 5);
        return tree;
    }

    /// <summary>Writes a device the daemon has not scanned (bus 1, the port given); returns its sysfs path.</summary>
    public string AddUnseenDevice(int port)
    {
        static byte[] T(string s) => Encoding.ASCII.GetBytes(s + "\n");
        string path = $"/devices/pci0000:00/0000:00:01.0/usb1/1-{port}";
        Sysfs.AddDevice(path, "usb", new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["idVendor"] = T("2341"), ["idProduct"] = T("0043"), ["bcdDevice"] = T("0001"),
            ["bDeviceClass"] = T("02"), ["bDeviceSubClass"] = T("00"), ["bDeviceProtocol"] = T("00"),
            ["busnum"] = T("1"), ["devnum"] = T($"{port + 1}"), ["devpath"] = T($"{port}"), ["speed"] = T("12"),
            ["maxchild"] = T("0"), ["manufacturer"] = T("Arduino"), ["product"] = T("Uno"),
            ["serial"] = T($"FORGED{port}"), ["authorized"] = T("1"), ["removable"] = T("removable"),
        });
        return path;
    }
}
