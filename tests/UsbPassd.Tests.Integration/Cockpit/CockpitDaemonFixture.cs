using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;
using UsbPassd.Tests.Integration.Libvirt;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Cockpit;

/// <summary>
/// usbpassd on a recorded host (real devices of the corpus, 12 of them) with this machine's
/// libvirtd, and a persistent, shut-off domain of this test's own (prefix ck-) to attach to.
/// </summary>
public sealed class CockpitDaemonFixture : DaemonFixture
{
    /// <summary>A camera in the recorded tree: eligible, with a serial.</summary>
    public const string Device = "1-3";

    public CockpitDaemonFixture() : base("qemu:///system", Recorded(12), "none") { }

    public string Domain { get; } = $"ck-page-{Environment.ProcessId}";

    public static SysfsTree Recorded(int devices)
    {
        SysfsTree tree = SysfsTree.CreateTemporary("sys");
        BigTree.Write(tree.Root, devices);
        return tree;
    }

    public override async Task InitializeAsync()
    {
        LocalLibvirt.Define(Domain);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        LocalLibvirt.Remove(Domain);
    }
}
