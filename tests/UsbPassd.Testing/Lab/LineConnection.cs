using System.Net.Sockets;
using System.Text;

namespace UsbPassd.Testing.Lab;

/// <summary>A line-oriented client of a Unix stream socket (QMP and the lab agent both speak lines).</summary>
internal sealed class LineConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly StreamReader _reader;
    private readonly Stream _stream;

    private LineConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new StreamReader(_stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 65536);
    }

    public static async Task<LineConnection> ConnectAsync(string path, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
            return new LineConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The next line, or null at end of stream.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken ct) => await _reader.ReadLineAsync(ct);

    public async Task WriteLineAsync(string line, CancellationToken ct)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(line + "\n");
        await _stream.WriteAsync(bytes, ct);
        await _stream.FlushAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
