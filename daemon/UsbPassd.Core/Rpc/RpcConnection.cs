using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;
using UsbPassd.Protocol;
using static UsbPassd.Interop.Interop;

namespace UsbPassd.Rpc;

/// <summary>
/// One client: a reader loop (framing → formatting → dispatch, each request on its own task) and a
/// writer loop that sends one line at a time, so replies and notifications never interleave.
/// Everything a client can make the daemon hold is bounded in bytes (<see cref="RpcLimits"/>): past
/// the in-flight limits the reader stops reading (the client's own writes block, nobody else's);
/// replies wait for room in the output budget; a notification that finds no room means the client
/// does not read, and it is disconnected. A client that hangs up has its requests cancelled at once,
/// one that only half-closed (socat, the libvirt hook) still gets its replies.
/// </summary>
public sealed class RpcConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly RpcDispatcher _dispatcher;
    private readonly RpcLimits _limits;
    private readonly Channel<RpcReply> _outgoing = Channel.CreateUnbounded<RpcReply>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ByteBudget _queued;
    private readonly ByteBudget _requestBytes;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _closed;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private Task _batch = Task.CompletedTask;
    private long _lastActivity = Environment.TickCount64;
    private long _lastWrite = Environment.TickCount64;

    /// <param name="privileged">Root or the admin group: never closed for idling (orchestrators keep a connection).</param>
    public RpcConnection(Socket socket, PeerIdentity peer, bool privileged, RpcDispatcher dispatcher, RpcLimits limits, CancellationToken serverStopping)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        Peer = peer;
        Privileged = privileged;
        _dispatcher = dispatcher;
        _limits = limits;
        _queued = new ByteBudget(limits.MaxQueuedBytesPerConnection);
        _requestBytes = new ByteBudget(limits.MaxRequestBytesPerConnection);
        _slots = new SemaphoreSlim(limits.MaxInFlightPerConnection);
        _closed = CancellationTokenSource.CreateLinkedTokenSource(serverStopping);
    }

    public PeerIdentity Peer { get; }

    public bool Privileged { get; }

    /// <summary>Set by events.subscribe: this connection receives device notifications (and is never idle).</summary>
    public bool Subscribed { get; set; }

    /// <summary>Why the connection ended abnormally, if it did (for the server's log).</summary>
    public string? AbortReason { get; private set; }

    /// <summary>True when the abort was the idle timeout: normal, not worth a warning.</summary>
    public bool ClosedForIdling { get; private set; }

    /// <summary>Queues a notification; a client without room for it is not reading and is disconnected.</summary>
    public bool TrySend(byte[] line)
    {
        if (_queued.TryTake(line.Length))
        {
            if (_outgoing.Writer.TryWrite(new RpcReply(line)))
            {
                return true;
            }

            _queued.Release(line.Length); // the connection is closing
            return false;
        }

        Abort($"{Peer} does not read its replies (more than {_limits.MaxQueuedBytesPerConnection} bytes queued)");
        return false;
    }

    public async Task RunAsync()
    {
        CancellationToken ct = _closed.Token;
        Task writer = WriteLoopAsync(ct);
        Task watcher = WatchAsync(ct);
        try
        {
            var reader = new LineReader(_stream, _limits.MaxMessageBytes);
            while (!ct.IsCancellationRequested)
            {
                var (status, line) = await reader.ReadAsync(ct);
                Touch();
                if (status == LineReader.LineStatus.End)
                {
                    break;
                }

                if (status == LineReader.LineStatus.TooLong)
                {
                    await SendAsync(new RpcReply(RpcFormatter.Error(null, ErrorCodes.LimitExceeded, $"message longer than {_limits.MaxMessageBytes} bytes: refused")), ct);
                    continue;
                }

                if (line.Length > 0)
                {
                    // The request owns its bytes: the reader's buffer is reused for the next line
                    // while this one is still being served (JsonDocument keeps the memory it parsed).
                    await ReceiveAsync(line.ToArray(), ct);
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        // The client stopped sending (a script's half-close): finish what it asked, send the replies,
        // then close. If it really hung up, the watcher sees it and cancels the rest.
        await Task.WhenAll(_running.Keys).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _outgoing.Writer.TryComplete();
        await writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _closed.CancelAsync();
        await watcher.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async ValueTask ReceiveAsync(byte[] line, CancellationToken ct)
    {
        JsonDocument? doc = RpcFormatter.Parse(line, out string? error);
        if (doc is null)
        {
            await SendAsync(new RpcReply(RpcFormatter.Error(null, ErrorCodes.ParseError, $"parse error: {error}")), ct);
            return;
        }

        JsonElement root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Array)
        {
            int count = root.GetArrayLength();
            if (count == 0 || count > _limits.MaxBatchRequests)
            {
                doc.Dispose();
                await SendAsync(new RpcReply(RpcFormatter.Error(null, ErrorCodes.InvalidRequest, count == 0
                    ? "an empty batch"
                    : $"a batch of {count} requests: at most {_limits.MaxBatchRequests} per batch (send several batches, or pipeline single requests)")), ct);
                return;
            }

            // One batch at a time per connection: a batch's joined reply is built in memory.
            await _batch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _batch = await StartAsync(doc, line.Length, batch: true, ct);
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
            await StartAsync(doc, line.Length, batch: false, ct);
        }
    }

    private static bool IsCancel(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("method", out JsonElement m) && m.ValueKind == JsonValueKind.String
        && m.GetString() == Methods.CancelRequest && !root.TryGetProperty("id", out _);

    private async ValueTask<Task> StartAsync(JsonDocument doc, int size, bool batch, CancellationToken ct)
    {
        // Backpressure: wait for a slot and for room before reading on (the client's writes wait, not its answers).
        try
        {
            await _slots.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            doc.Dispose();
            throw;
        }

        try
        {
            await _requestBytes.TakeAsync(size, ct);
        }
        catch (OperationCanceledException)
        {
            _slots.Release();
            doc.Dispose();
            throw;
        }

        JsonElement root = doc.RootElement;
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
                RpcReply? reply = batch
                    ? await BatchAsync(root, context, cts.Token)
                    : await _dispatcher.HandleAsync(root, context, cts.Token);
                if (reply is RpcReply line)
                {
                    await SendAsync(line, cts.Token);
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
                _requestBytes.Release(size);
                _slots.Release();
                Touch();
            }
        }, CancellationToken.None);
        _running.TryAdd(work, 0);
        _ = work.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
        return work;
    }

    /// <summary>The members in order; the joined reply, or one error when it would pass the output budget.</summary>
    private async Task<RpcReply?> BatchAsync(JsonElement root, RpcCallContext context, CancellationToken ct)
    {
        List<RpcReply> responses = [];
        long bytes = 0;
        int member = 0;
        foreach (JsonElement request in root.EnumerateArray())
        {
            ct.ThrowIfCancellationRequested(); // the client is gone: the rest is not run
            member++;
            if (await _dispatcher.HandleAsync(request, context, ct) is not RpcReply response)
            {
                continue;
            }

            bytes += response.Length;
            if (bytes > _limits.MaxQueuedBytesPerConnection)
            {
                return new RpcReply(RpcFormatter.Error(null, ErrorCodes.LimitExceeded,
                    $"the batch's replies pass {_limits.MaxQueuedBytesPerConnection} bytes at member {member} of {root.GetArrayLength()}: " +
                    $"members 1 to {member} ran, the rest did not; send fewer requests per batch"));
            }

            responses.Add(response);
        }

        return responses.Count > 0 ? new RpcReply(RpcFormatter.Batch(responses)) : default(RpcReply?);
    }

    /// <summary>Queues a reply, waiting while the client has more than its budget unread.</summary>
    private async ValueTask SendAsync(RpcReply line, CancellationToken ct)
    {
        await _queued.TakeAsync(line.Length, ct);
        if (!_outgoing.Writer.TryWrite(line))
        {
            _queued.Release(line.Length);
        }
    }

    private async Task WriteLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (RpcReply line in _outgoing.Reader.ReadAllAsync(ct))
            {
                await line.WriteAsync(_stream, ct);
                _queued.Release(line.Length);
                Interlocked.Exchange(ref _lastWrite, Environment.TickCount64);
                Touch();
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            await _closed.CancelAsync();
        }
    }

    /// <summary>
    /// Cancels everything when the client hangs up, drops a client that has not read its replies for the
    /// idle timeout, and closes an unprivileged connection left idle.
    /// </summary>
    private async Task WatchAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_limits.WatchPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (Libc.PeerHungUp(_socket.SafeHandle))
                {
                    Abort(_running.IsEmpty ? null : $"{Peer} hung up; its {_running.Count} request(s) in flight were cancelled");
                    return;
                }

                long now = Environment.TickCount64, limit = (long)_limits.IdleTimeout.TotalMilliseconds;
                if (_queued.Held > 0 && now - Interlocked.Read(ref _lastWrite) > limit && now - Interlocked.Read(ref _lastActivity) > limit)
                {
                    // Replies wait and nothing has been read for a long time: it holds memory for nothing.
                    Abort($"{Peer} does not read its replies ({_queued.Held} bytes waiting for {_limits.IdleTimeout.TotalSeconds:0} s)");
                    return;
                }

                if (!Privileged && !Subscribed && _running.IsEmpty && _queued.Held == 0
                    && now - Interlocked.Read(ref _lastActivity) > limit)
                {
                    ClosedForIdling = true;
                    Abort($"{Peer} idle for {_limits.IdleTimeout.TotalSeconds:0} s: closed");
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private void Touch() => Interlocked.Exchange(ref _lastActivity, Environment.TickCount64);

    private void Abort(string? reason)
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
        // _slots is not disposed: a request still running past the 30 s wait releases its slot on the way out.
    }
}
