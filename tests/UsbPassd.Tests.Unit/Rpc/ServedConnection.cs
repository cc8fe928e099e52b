using System.Net.Sockets;
using System.Text;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;
using UsbPassd.Rpc;

namespace UsbPassd.Tests.Unit.Rpc;

/// <summary>
/// An <see cref="RpcConnection"/> serving the daemon's end of a <see cref="SocketPair"/> for a read-only
/// caller (uid 1000 in the read group), with a dispatcher of three methods: test.echo (read: its device
/// param back as text), test.modify (modify) and test.fail (read, throws). The test holds the client's end.
/// </summary>
internal sealed class ServedConnection : IAsyncDisposable
{
    public const int Limit = 1024;
    private const uint ReadGid = 4242;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);
    private readonly SocketPair _pair = new();
    private readonly RpcConnection _connection;
    private readonly StreamReader _replies;

    public ServedConnection()
    {
        var dispatcher = new RpcDispatcher(new AccessPolicy(ReadGid, AdminGroup: null));
        dispatcher.Add("test.echo", Privilege.Read, ProtocolJson.Default.PolicyCheckParams, ProtocolJson.Default.MetricsResult,
            (_, p, _) => ValueTask.FromResult(new MetricsResult { Text = p.Device ?? "-" }));
        dispatcher.Add("test.modify", Privilege.Modify, ProtocolJson.Default.NoParams, ProtocolJson.Default.HookResult,
            (_, _, _) => ValueTask.FromResult(new HookResult { Allowed = true }));
        dispatcher.Add<NoParams, HookResult>("test.fail", Privilege.Read, ProtocolJson.Default.NoParams, ProtocolJson.Default.HookResult,
            (_, _, _) => throw new InvalidOperationException("database is locked"));
        var reader = new PeerIdentity(Environment.ProcessId, 1000, 1000, new HashSet<uint> { ReadGid });
        _connection = new RpcConnection(_pair.Daemon, reader, privileged: false, dispatcher, new RpcLimits { MaxMessageBytes = Limit, MaxBatchRequests = 4 }, CancellationToken.None);
        Served = ServeAsync();
        _replies = new StreamReader(new NetworkStream(_pair.Client), new UTF8Encoding(false));
    }

    /// <summary>Over once the client has stopped sending and has its replies; the socket is then closed, as RpcServer does.</summary>
    public Task Served { get; }

    public Task SendAsync(string text) => _pair.SendAsync(text);

    public Task SendAsync(byte[] bytes) => _pair.SendAsync(bytes);

    public void EndInput() => _pair.EndInput();

    /// <summary>The next reply line without its newline; null at the end.</summary>
    public async Task<string?> ReplyAsync() => await _replies.ReadLineAsync().WaitAsync(Guard);

    public async Task<string?> AskAsync(string raw)
    {
        await _pair.SendAsync(raw);
        return await ReplyAsync();
    }

    public async Task WaitServedAsync() => await Served.WaitAsync(Guard);

    public async ValueTask DisposeAsync()
    {
        _pair.Client.Dispose();
        await WaitServedAsync();
        _replies.Dispose();
        _pair.Dispose();
    }

    private async Task ServeAsync()
    {
        try
        {
            await _connection.RunAsync();
        }
        finally
        {
            await _connection.DisposeAsync();
        }
    }
}
