using System.Net.Sockets;
using System.Text;

namespace UsbPassd.Tests.Unit.Rpc;

/// <summary>
/// Two connected Unix stream sockets, the daemon's end and a client's, as usbpassd's listener hands them
/// out (bound on a temporary path that is gone once they are connected): raw bytes in on one, out of the other.
/// </summary>
internal sealed class SocketPair : IDisposable
{
    public SocketPair()
    {
        string directory = Directory.CreateTempSubdirectory("usbpassd-pair-").FullName;
        try
        {
            var endPoint = new UnixDomainSocketEndPoint(Path.Combine(directory, "s.sock"));
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(endPoint);
            listener.Listen(1);
            Client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            Client.Connect(endPoint);
            Daemon = listener.Accept();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public Socket Daemon { get; }

    public Socket Client { get; }

    /// <summary>Bytes from the client, written as they are (a large write goes out while the daemon's end reads).</summary>
    public async Task SendAsync(byte[] bytes)
    {
        for (int sent = 0; sent < bytes.Length;)
        {
            sent += await Client.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
        }
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>The client has no more to send (shutdown SHUT_WR, as socat does at the end of its input) but still reads.</summary>
    public void EndInput() => Client.Shutdown(SocketShutdown.Send);

    public void Dispose()
    {
        Client.Dispose();
        Daemon.Dispose();
    }
}
