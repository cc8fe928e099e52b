using UsbPassd.Tests.Integration.Libvirt;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// The real daemon with a socket group and an admin group of its own, and throw-away system users:
/// one in the socket group, one in both groups, one in the admin group alone, one in neither.
/// Created with groupadd/useradd before the daemon starts, removed after it stops.
/// </summary>
public sealed class AccessFixture : DaemonFixture
{
    private static readonly string Tag = $"{Environment.ProcessId % 100000}";
    private static readonly string ConfigFile = Path.Combine(Path.GetTempPath(), $"usbpassd-access-{Tag}.json");

    public AccessFixture() : base("none", "--config", ConfigFile) { }

    public string SocketGroup { get; } = $"upa-sock-{Tag}";

    public string AdminGroup { get; } = $"upa-admin-{Tag}";

    /// <summary>In the socket group.</summary>
    public string Reader { get; } = $"upa-r-{Tag}";

    /// <summary>In the admin group and the socket group (the socket's mode lets only the latter connect).</summary>
    public string Admin { get; } = $"upa-a-{Tag}";

    /// <summary>In the admin group alone.</summary>
    public string AdminOnly { get; } = $"upa-o-{Tag}";

    /// <summary>In neither group.</summary>
    public string Stranger { get; } = $"upa-n-{Tag}";

    public override async Task InitializeAsync()
    {
        Cleanup();
        Run($"groupadd -r {SocketGroup} && groupadd -r {AdminGroup}");
        Run($"useradd -r -M -N -s /usr/sbin/nologin -G {SocketGroup} {Reader}");
        Run($"useradd -r -M -N -s /usr/sbin/nologin -G {AdminGroup},{SocketGroup} {Admin}");
        Run($"useradd -r -M -N -s /usr/sbin/nologin -G {AdminGroup} {AdminOnly}");
        Run($"useradd -r -M -N -s /usr/sbin/nologin {Stranger}");
        File.WriteAllText(ConfigFile, $$"""{ "socket_group": "{{SocketGroup}}", "admin_group": "{{AdminGroup}}" }""");

        // The fixture's folder is 0700 (a temp folder); the users must reach the socket in it, whose own mode decides.
        File.SetUnixFileMode(Directory, (UnixFileMode)0b111_101_101);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Cleanup();
        File.Delete(ConfigFile);
    }

    private void Cleanup() =>
        LocalLibvirt.Shell($"for u in {Reader} {Admin} {AdminOnly} {Stranger}; do userdel $u 2>/dev/null; done; groupdel {SocketGroup} 2>/dev/null; groupdel {AdminGroup} 2>/dev/null; true");

    private static void Run(string command)
    {
        string failed = LocalLibvirt.Shell($"{{ {command}; }} >/dev/null 2>&1 || echo failed");
        if (failed.Length > 0)
        {
            throw new InvalidOperationException($"{command}: failed (the access test creates system users and groups: it needs root)");
        }
    }
}
