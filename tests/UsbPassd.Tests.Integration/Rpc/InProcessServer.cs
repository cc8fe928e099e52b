using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;
using UsbPassd.Rpc;
using UsbPassd.Testing.Rpc;

namespace UsbPassd.Tests.Integration.Rpc;

/// <summary>
/// The real <see cref="RpcServer"/> in this process on a socket of its own, with a method per privilege,
/// reachable by other uids (the folder and socket are opened to them) so the access and quota checks that
/// speak are the server's own. Read group: nogroup (65534); admin group: staff (50).
/// </summary>
public sealed class InProcessServer : IAsyncDisposable
{
    public const uint ReadGid = 65534;
    public const uint AdminGid = 50;

    private readonly string _dir = Directory.CreateTempSubdirectory("usbpassd-inproc-").FullName;

    public InProcessServer(RpcLimits limits)
    {
        var dispatcher = new RpcDispatcher(new AccessPolicy(ReadGid, AdminGid, "nogroup", "staff"));
        dispatcher.Add(Methods.HostInfo, Privilege.Read, ProtocolJson.Default.NoParams, ProtocolJson.Default.HookResult,
            (_, _, _) => ValueTask.FromResult(new HookResult { Allowed = true }));
        dispatcher.Add("test.modify", Privilege.Modify, ProtocolJson.Default.NoParams, ProtocolJson.Default.HookResult,
            (_, _, _) => ValueTask.FromResult(new HookResult { Allowed = true }));
        Socket = Path.Combine(_dir, "s.sock");
        Server = new RpcServer(Socket, group: null, dispatcher, limits, NullLogger<RpcServer>.Instance);
        Server.Start();
        File.SetUnixFileMode(_dir, File.GetUnixFileMode(_dir) | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(Socket, (UnixFileMode)0b110_110_110);
    }

    public string Socket { get; }

    public RpcServer Server { get; }

    /// <summary>The rpc-stress tool (UsbPassd.Testing) as uid 65534 in the given groups.</summary>
    public static Process StressAs(string groups, params string[] arguments) =>
        OtherUser.Stress(AppContext.BaseDirectory, groups, arguments);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
