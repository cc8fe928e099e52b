using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;
using UsbPassd.Tests.Integration.Libvirt;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Cockpit;

/// <summary>
/// usbpassd on a recorded host (real devices of the corpus, 12 of them) with this machine's
/// libvirtd, a persistent, shut-off domain of this test's own (prefix ck-) to attach to, and a
/// socket group of its own with two throw-away system users: one in it (may read, not change),
/// one outside it (the kernel refuses its connect).
/// </summary>
public sealed class CockpitDaemonFixture : DaemonFixture
{
    /// <summary>A camera in the recorded tree: eligible, with a serial.</summary>
    public const string Device = "1-3";

    private static readonly string Tag = $"{Environment.ProcessId % 100000}";
    private static readonly string ConfigFile = Path.Combine(Path.GetTempPath(), $"usbpassd-cockpit-{Tag}.json");

    public CockpitDaemonFixture() : base("qemu:///system", Recorded(12), "none", "--config", ConfigFile) { }

    public string Domain { get; } = $"ck-page-{Tag}";

    public string SocketGroup { get; } = $"ck-sock-{Tag}";

    /// <summary>In the socket group.</summary>
    public string Reader { get; } = $"ck-r-{Tag}";

    /// <summary>In no usbpassd group.</summary>
    public string Outsider { get; } = $"ck-n-{Tag}";

    public static SysfsTree Recorded(int devices)
    {
        SysfsTree tree = SysfsTree.CreateTemporary("sys");
        BigTree.Write(tree.Root, devices);
        return tree;
    }

    public override async Task InitializeAsync()
    {
        Cleanup();
        Run($"groupadd -r {SocketGroup}");
        Run($"useradd -r -M -N -s /usr/sbin/nologin -G {SocketGroup} {Reader}");
        Run($"useradd -r -M -N -s /usr/sbin/nologin {Outsider}");
        File.WriteAllText(ConfigFile, $$"""{ "socket_group": "{{SocketGroup}}" }""");
        // The fixture's folder is 0700 (a temp folder): the users reach the socket, whose own mode decides.
        File.SetUnixFileMode(Directory, (UnixFileMode)0b111_101_101);
        LocalLibvirt.Define(Domain);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        LocalLibvirt.Remove(Domain);
        Cleanup();
        File.Delete(ConfigFile);
    }

    // The users' processes are the cockpit-ws sessions' leftovers, if any: by pid, then the users.
    private void Cleanup() =>
        LocalLibvirt.Shell($"for u in {Reader} {Outsider}; do ps -o pid= -u $u | xargs -r kill -KILL; userdel $u 2>/dev/null; done; groupdel {SocketGroup} 2>/dev/null; true");

    private static void Run(string command)
    {
        if (LocalLibvirt.Shell($"{command} >/dev/null 2>&1 && echo ok").Trim() != "ok")
        {
            throw new InvalidOperationException($"{command}: failed (the Cockpit test creates system users and a group: it needs root)");
        }
    }
}
