using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;
using UsbPassd.Protocol;

namespace UsbPassd.Rpc;

/// <summary>
/// One client: a reader loop (framing → formatting → dispatch, each request on its own task up to
/// the in-flight limit) and a writer loop that sends one line at a time from a bounded queue, so
/// replies and notifications never interleave. A client that stops reading fills its queue and is
/// disconnected; the others never wait for it. Requests in flight are cancelled when it leaves.
/// </summary>
public sealed class RpcConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly RpcDispatcher _dispatcher;
    private readonly RpcLimits _limits;
    private readonly Channel<byte[]> _outgoing;
    private readonly CancellationTokenSource _closed;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private int _inFlightCount;

    public RpcConnection(Socket socket, PeerIdentity peer, RpcDispatcher dispatcher, RpcLimits limits, CancellationToken serverStopping)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        Peer = peer;
        _dispatcher = dispatcher;
        _limits = limits;
        _outgoing = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(limits.MaxQueuedPerConnection) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _closed = CancellationTokenSource.CreateLinkedTokenSource(serverStopping);
    }

    public PeerIdentity Peer { get; }

    /// <summary>Set by events.subscribe: this connection receives device notifications.</summary>
    public bool Subscribed { get; set; }

    /// <summary>Why the connection ended abnormally, if it did (for the server's log).</summary>
    public string? AbortReason { get; private set; }

    /// <summary>Queues a line; a client whose queue is full is not reading and is disconnected.</summary>
    public bool TrySend(byte[] line)
    {
        if (_outgoing.Writer.TryWrite(line))
        {
            return true;
        }

        Abort($"{Peer} does not read its replies (more than {_limits.MaxQueuedPerConnection} queued)");
        return false;
    }

    public async Task RunAsync()
    {
        CancellationToken ct = _closed.Token;
        Task writer = WriteLoopAsync(ct);
        try
        {
            var reader = new LineReader(_stream, _limits.MaxMessageBytes);
            while (!ct.IsCancellationRequested)
            {
                var (status, line) = await reader.ReadAsync(ct);
                if (status == LineReader.LineStatus.End)
                {
                    break;
                }

                if (status == LineReader.LineStatus.TooLong)
                {
                    TrySend(RpcFormatter.Error(null, ErrorCodes.LimitExceeded, $"message longer than {_limits.MaxMessageBytes} bytes: refused"));
                    continue;
                }

                if (line.Length > 0)
                {
                    Receive(line);
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        // The client stopped sending (a script's half-close): finish what it asked, send the replies,
        // then close. If it is really gone, the writer fails and cancels the rest.
        await Task.WhenAll(_running.Keys).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _outgoing.Writer.TryComplete();
        await writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _closed.CancelAsync();
    }

    private void Receive(ReadOnlyMemory<byte> line)
    {
        JsonDocument? doc = RpcFormatter.Parse(line, out string? error);
        if (doc is null)
        {
            TrySend(RpcFormatter.Error(null, ErrorCodes.ParseError, $"parse error: {error}"));
            return;
        }

        JsonElement root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Array)
        {
            if (root.GetArrayLength() == 0)
            {
                TrySend(RpcFormatter.Error(null, ErrorCodes.InvalidRequest, "an empty batch"));
                doc.Dispose();
                return;
            }

            Start(doc, batch: true);
        }
        else if (IsCancel(root))
        {
            if (root.TryGetProperty("params", out JsonElement p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("id", out JsonElement target)
                && _inFlight.TryGetValue(target.GetRawText(), out CancellationTokenSource? cts))
            {
                cts.Cancel();
            }

            doc.Dispose();
        }
        else
        {
            Start(doc, batch: false);
        }
    }

    private static bool IsCancel(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("method", out JsonElement m) && m.ValueKind == JsonValueKind.String
        && m.GetString() == Methods.CancelRequest && !root.TryGetProperty("id", out _);

    private void Start(JsonDocument doc, bool batch)
    {
        JsonElement root = doc.RootElement;
        if (Interlocked.Increment(ref _inFlightCount) > _limits.MaxInFlightPerConnection)
        {
            Interlocked.Decrement(ref _inFlightCount);
            JsonElement? id = !batch && root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out JsonElement i) ? i.Clone() : null;
            TrySend(RpcFormatter.Error(id, ErrorCodes.LimitExceeded, $"more than {_limits.MaxInFlightPerConnection} requests in flight on this connection: wait for replies"));
            doc.Dispose();
            return;
        }

        string? key = !batch && root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out JsonElement rawId) ? rawId.GetRawText() : null;
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_closed.Token);
        if (key is not null)
        {
            _inFlight[key] = cts;
        }

        Task work = Task.Run(async () =>
        {
            try
            {
                var context = new RpcCallContext(Peer, this);
                if (!batch)
                {
                    if (await _dispatcher.HandleAsync(root, context, cts.Token) is byte[] response)
                    {
                        TrySend(response);
                    }

                    return;
                }

                List<byte[]> responses = [];
                foreach (JsonElement member in root.EnumerateArray())
                {
                    if (await _dispatcher.HandleAsync(member, context, cts.Token) is byte[] response)
                    {
                        responses.Add(response);
                    }
                }

                if (responses.Count > 0)
                {
                    TrySend(RpcFormatter.Batch(responses));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                TrySend(RpcFormatter.Error(null, ErrorCodes.InternalError, $"internal error: {e.Message}"));
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                if (key is not null)
                {
                    _inFlight.TryRemove(new KeyValuePair<string, CancellationTokenSource>(key, cts));
                }

                cts.Dispose();
                doc.Dispose();
                Interlocked.Decrement(ref _inFlightCount);
            }
        });
        _running.TryAdd(work, 0);
        work.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task WriteLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (byte[] line in _outgoing.Reader.ReadAllAsync(ct))
            {
                await _stream.WriteAsync(line, ct);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            await _closed.CancelAsync();
        }
    }

    private void Abort(string reason)
    {
        AbortReason ??= reason;
        try
        {
            _closed.Cancel();
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _closed.CancelAsync();
        await _stream.DisposeAsync();
        _socket.Dispose();
        _closed.Dispose();
    }
}
