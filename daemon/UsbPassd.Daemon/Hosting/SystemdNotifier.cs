using System.Net.Sockets;

namespace UsbPassd.Daemon.Hosting;

/// <summary>
/// sd_notify(3) without libsystemd: one datagram of <c>KEY=VALUE</c> lines to $NOTIFY_SOCKET
/// (a path, or <c>@name</c> for the abstract namespace). The kernel attaches our credentials.
/// Outside systemd (no NOTIFY_SOCKET) every call does nothing.
/// </summary>
public sealed class SystemdNotifier : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _target;

    /// <summary>For testing: a socket path instead of $NOTIFY_SOCKET.</summary>
    public SystemdNotifier(string? socketPath)
    {
        if (string.IsNullOrEmpty(socketPath))
        {
            return;
        }

        _target = new UnixDomainSocketEndPoint(socketPath[0] == '@' ? "\0" + socketPath[1..] : socketPath);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    /// <summary>From the environment; NOTIFY_SOCKET is removed so child processes do not inherit it.</summary>
    public static SystemdNotifier FromEnvironment()
    {
        string? path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        Environment.SetEnvironmentVariable("NOTIFY_SOCKET", null);
        return new SystemdNotifier(path);
    }

    public bool IsEnabled => _socket is not null;

    /// <summary>Sends the state; a failure is returned, not thrown (systemd going away must not stop us).</summary>
    public string? Notify(string state)
    {
        if (_socket is null)
        {
            return null;
        }

        try
        {
            _socket.SendTo(System.Text.Encoding.UTF8.GetBytes(state), _target!);
            return null;
        }
        catch (SocketException e)
        {
            return e.Message;
        }
    }

    public void Dispose() => _socket?.Dispose();
}
