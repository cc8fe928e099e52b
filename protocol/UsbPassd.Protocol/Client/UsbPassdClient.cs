using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using UsbPassd.Protocol.JsonRpc;

namespace UsbPassd.Protocol.Client;

/// <summary>The daemon cannot be reached; the message says what to do.</summary>
public sealed class UsbPassdUnavailableException : Exception
{
    public UsbPassdUnavailableException() { }

    public UsbPassdUnavailableException(string message) : base(message) { }

    public UsbPassdUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>One notification from the daemon.</summary>
public sealed record Notification(string Method, JsonElement Params);

/// <summary>
/// A JSON-RPC 2.0 client of usbpassd over its Unix socket (newline-delimited, like StreamJsonRpc's
/// NewLineDelimitedMessageHandler). Calls may run concurrently; notifications arrive on <see cref="Notifications"/>.
/// </summary>
public sealed class UsbPassdClient : IAsyncDisposable
{
    public const string DefaultSocket = "/run/usbpassd/usbpassd.sock";

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly Channel<Notification> _notifications = Channel.CreateUnbounded<Notification>();
    private readonly Task _reader;
    private long _nextId;

    private UsbPassdClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = Task.Run(ReadLoopAsync);
    }

    public ChannelReader<Notification> Notifications => _notifications.Reader;

    public static async Task<UsbPassdClient> ConnectAsync(string path, CancellationToken ct = default) =>
        new(await ConnectSocketAsync(path, ct));

    /// <summary>A connected socket to the daemon (for other clients, e.g. StreamJsonRpc's); failures say what to do.</summary>
    /// <exception cref="UsbPassdUnavailableException">Nothing listens there, or the caller may not connect.</exception>
    public static async Task<Socket> ConnectSocketAsync(string path, CancellationToken ct = default)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new UsbPassdUnavailableException(e.SocketErrorCode switch
            {
                SocketError.AccessDenied => $"permission denied on {path}: add yourself to group usbpassd (then log in again), or use sudo",
                SocketError.ConnectionRefused => $"usbpassd is not running (nothing listens on {path}): start it with 'systemctl start usbpassd'",
                _ when !File.Exists(path) => $"usbpassd is not running (no socket at {path}): start it with 'systemctl start usbpassd'",
                _ => $"cannot connect to usbpassd at {path}: {e.Message}",
            }, e);
        }
    }

    /// <summary>Calls a method with named params; a JSON-RPC error becomes an <see cref="RpcException"/>.</summary>
    public async Task<TResult> CallAsync<TParams, TResult>(string method, TParams parameters, JsonTypeInfo<TParams> paramsInfo, JsonTypeInfo<TResult> resultInfo, CancellationToken ct = default)
    {
        long id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("jsonrpc", "2.0");
            w.WriteNumber("id", id);
            w.WriteString("method", method);
            w.WritePropertyName("params");
            JsonSerializer.Serialize(w, parameters, paramsInfo);
            w.WriteEndObject();
        }

        buffer.Write("\n"u8);
        await _write.WaitAsync(ct);
        try
        {
            await _stream.WriteAsync(buffer.WrittenMemory, ct);
        }
        finally
        {
            _write.Release();
        }

        JsonElement message;
        try
        {
            message = await reply.Task.WaitAsync(ct);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }

        if (message.TryGetProperty("error", out JsonElement error))
        {
            JsonRpcError e = error.Deserialize(ProtocolJson.Default.JsonRpcError)!;
            throw new RpcException(e.Code, e.Message, e.Data);
        }

        return message.GetProperty("result").Deserialize(resultInfo)!;
    }

    private async Task ReadLoopAsync()
    {
        using var reader = new StreamReader(_stream, new UTF8Encoding(false), false, 65536, leaveOpen: true);
        Exception? ended = null;
        try
        {
            while (await reader.ReadLineAsync() is string line)
            {
                using JsonDocument doc = JsonDocument.Parse(line);
                JsonElement root = doc.RootElement.Clone();
                if (root.TryGetProperty("method", out JsonElement method) && !root.TryGetProperty("id", out _))
                {
                    _notifications.Writer.TryWrite(new Notification(method.GetString()!, root.TryGetProperty("params", out JsonElement p) ? p : default));
                }
                else if (root.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.Number && _pending.TryGetValue(id.GetInt64(), out var waiter))
                {
                    waiter.TrySetResult(root);
                }
            }
        }
        catch (Exception e) when (e is IOException or JsonException or ObjectDisposedException)
        {
            ended = e;
        }

        var closed = new UsbPassdUnavailableException("usbpassd closed the connection (was it stopped or restarted?)", ended ?? new EndOfStreamException());
        foreach (var waiter in _pending.Values)
        {
            waiter.TrySetException(closed);
        }

        _notifications.Writer.TryComplete(closed);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // The daemon went first.
        }

        await _stream.DisposeAsync();
        await _reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _write.Dispose();
    }
}
