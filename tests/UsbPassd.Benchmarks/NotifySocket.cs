using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace UsbPassd.Benchmarks;

/// <summary>
/// The daemon's $NOTIFY_SOCKET: every datagram is read as it comes (the queue never fills while a
/// figure waits) and kept, so a wait also finds one that came before it began.
/// </summary>
internal sealed class NotifySocket : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly Channel<(string Message, TimeSpan At)> _received = Channel.CreateUnbounded<(string, TimeSpan)>();
    private readonly List<(string Message, TimeSpan At)> _seen = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public NotifySocket(string path)
    {
        Path = path;
        _socket.Bind(new UnixDomainSocketEndPoint(path));
        _ = Task.Run(ReadAsync);
    }

    public string Path { get; }

    /// <summary>From this socket's creation (just before the daemon's start) to the last datagram a wait returned.</summary>
    public TimeSpan Elapsed { get; private set; }

    public async Task<string> WaitAsync(Func<string, bool> until, TimeSpan timeout)
    {
        int index = _seen.FindIndex(r => until(r.Message));
        using var cts = new CancellationTokenSource(timeout);
        while (index < 0)
        {
            _seen.Add(await _received.Reader.ReadAsync(cts.Token));
            index = until(_seen[^1].Message) ? _seen.Count - 1 : -1;
        }

        Elapsed = _seen[index].At;
        return _seen[index].Message;
    }

    private async Task ReadAsync()
    {
        byte[] buffer = new byte[4096];
        try
        {
            while (true)
            {
                int n = await _socket.ReceiveAsync(buffer, SocketFlags.None);
                _received.Writer.TryWrite((Encoding.UTF8.GetString(buffer, 0, n), _clock.Elapsed));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _received.Writer.TryComplete();
        }
    }

    public void Dispose() => _socket.Dispose();
}
