using System.Net.Sockets;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using UsbPassd.Protocol;
using static UsbPassd.Interop.Interop;

namespace UsbPassd.Rpc;

/// <summary>
/// The Unix socket: created 0660 &lt;daemon's user&gt;:&lt;group&gt; (a stale file from a crashed daemon is replaced,
/// a live one is not), an accept loop with connection quotas (<see cref="ConnectionQuota"/>), and notification broadcast to
/// subscribers. Binding happens in <see cref="Start"/>, so the daemon reports ready only once it listens.
/// </summary>
public sealed partial class RpcServer(string path, string? group, RpcDispatcher dispatcher, RpcLimits limits, ILogger<RpcServer> log) : IAsyncDisposable
{
    private readonly List<RpcConnection> _connections = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly ConnectionQuota _quota = new(limits);
    private Socket? _listener;
    private Task _accepting = Task.CompletedTask;

    public string Path { get; } = path;

    public int ConnectionCount
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count;
            }
        }
    }

    /// <exception cref="IOException">The socket cannot be created; the message says why.</exception>
    public void Start()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        RemoveStale();
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(Path));
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            if (group is not null)
            {
                if (Libc.GroupId(group) is uint gid)
                {
                    if (NeedsChown(gid, Libc.GetEgid(), File.GetUnixFileMode(System.IO.Path.GetDirectoryName(Path)!)))
                    {
                        Libc.Chown(Path, uint.MaxValue, gid);
                    }
                }
                else
                {
                    LogNoGroup(group, Path);
                }
            }

            listener.Listen(128);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new IOException($"cannot listen on {Path}: {e.Message}", e);
        }

        _listener = listener;
        _accepting = Task.Run(AcceptLoopAsync);
        LogListening(Path, group ?? "(root only)");
    }

    /// <summary>
    /// Whether the new socket must be given to <paramref name="group"/>: bind(2) gave it the process's
    /// effective gid, or its folder's group when the folder is set-group-ID. The packaged service runs
    /// as usbpassd:usbpassd with socket_group usbpassd, so its socket is born in the right group and no
    /// chown is called: the unit may deny the service the whole @privileged syscall group (chown is in it).
    /// </summary>
    internal static bool NeedsChown(uint group, uint effectiveGid, UnixFileMode folderMode) =>
        folderMode.HasFlag(UnixFileMode.SetGroup) || group != effectiveGid;

    /// <summary>Sends a notification to every subscribed connection; one that cannot keep up is dropped, the rest go on.</summary>
    public void Broadcast<T>(string method, T payload, JsonTypeInfo<T> info)
        where T : notnull
    {
        byte[]? line = null;
        lock (_connections)
        {
            foreach (RpcConnection c in _connections.Where(c => c.Subscribed))
            {
                line ??= RpcFormatter.Notification(method, payload, info);
                c.TrySend(line);
            }
        }
    }

    private void RemoveStale()
    {
        if (!System.IO.Path.Exists(Path))
        {
            return;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(Path));
        }
        catch (SocketException)
        {
            File.Delete(Path); // nobody answers: a leftover of a daemon that did not stop cleanly
            return;
        }

        throw new IOException($"another process is listening on {Path} (is usbpassd already running? systemctl status usbpassd)");
    }

    private async Task AcceptLoopAsync()
    {
        CancellationToken ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener!.AcceptAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await ServeAsync(client, ct);
                }
                catch (Exception e)
                {
                    // A bug in serving one client must not take the socket down for the others.
                    LogServeFailed(e);
                }
            }, CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken ct)
    {
        PeerIdentity peer;
        try
        {
            peer = PeerIdentity.Of(client);
        }
        catch (SocketException)
        {
            client.Dispose();
            return;
        }

        bool privileged = dispatcher.Policy.IsPrivileged(peer);
        if (_quota.TryEnter(peer.Uid, privileged) is string refusal)
        {
            // Told why, then closed: the connections already open are not affected.
            LogRefused(peer, refusal);
            try
            {
                await client.SendAsync(RpcFormatter.Error(null, ErrorCodes.LimitExceeded, refusal), ct);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
            }

            client.Dispose();
            return;
        }

        RpcConnection connection = new(client, peer, privileged, dispatcher, limits, ct);
        lock (_connections)
        {
            _connections.Add(connection);
        }

        LogConnected(peer);
        try
        {
            await connection.RunAsync();
        }
        finally
        {
            lock (_connections)
            {
                _connections.Remove(connection);
            }

            _quota.Leave(peer.Uid, privileged);
            if (connection.AbortReason is string why)
            {
                if (connection.ClosedForIdling)
                {
                    LogIdle(why);
                }
                else
                {
                    LogAborted(why);
                }
            }

            await connection.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener?.Dispose();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_listener is not null)
        {
            File.Delete(Path);
        }

        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "JSON-RPC on {Path} (group {Group})")]
    private partial void LogListening(string path, string group);

    [LoggerMessage(Level = LogLevel.Warning, Message = "group {Group} does not exist: only root can use {Path} (create it: groupadd --system {Group})")]
    private partial void LogNoGroup(string group, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "serving a client failed")]
    private partial void LogServeFailed(Exception e);

    [LoggerMessage(Level = LogLevel.Debug, Message = "client connected: {Peer}")]
    private partial void LogConnected(PeerIdentity peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "client refused, {Peer}: {Why}")]
    private partial void LogRefused(PeerIdentity peer, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "client disconnected: {Reason}")]
    private partial void LogIdle(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "client disconnected: {Reason}")]
    private partial void LogAborted(string reason);
}
