using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Channels;
using static UsbPassd.Interop.Interop;

namespace UsbPassd.Uevents;

/// <summary>
/// The live source: a NETLINK_KOBJECT_UEVENT socket bound to one group, SO_PASSCRED on, a large
/// receive buffer. Each datagram's sender is checked (<see cref="UeventTrust"/>) before it is
/// parsed. Waiting is a zero-byte peek on a .NET Socket (epoll), reading is recvmsg(2).
/// </summary>
public sealed class NetlinkUeventSource : IUeventSource
{
    /// <summary>udevd asks for 128 MiB; SO_RCVBUFFORCE (root) bypasses rmem_max.</summary>
    public const int ReceiveBufferBytes = 128 * 1024 * 1024;

    private readonly SafeSocketHandle _handle;
    private readonly Socket _socket;
    private readonly Func<int, bool> _isUdevd;

    private NetlinkUeventSource(SafeSocketHandle handle, UeventGroup group, uint port, Func<int, bool> isUdevd)
    {
        _handle = handle;
        _socket = new Socket(handle);
        Group = group;
        PortId = port;
        _isUdevd = isUdevd;
    }

    public UeventGroup Group { get; }

    /// <summary>The netlink port id the kernel gave this socket (where a forger would unicast to).</summary>
    public uint PortId { get; }

    public string Description => $"netlink {Group.ToString().ToLowerInvariant()} group, port {PortId}";

    /// <summary>Opens and binds the socket; throws <see cref="SocketException"/> with the errno's text on failure.</summary>
    public static NetlinkUeventSource Open(UeventGroup group, int receiveBuffer = ReceiveBufferBytes, Func<int, bool>? isUdevd = null)
    {
        SafeSocketHandle handle = Libc.Socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_NONBLOCK, Libc.NETLINK_KOBJECT_UEVENT);
        try
        {
            if (Libc.SetSockOpt(handle, Libc.SOL_SOCKET, Libc.SO_PASSCRED, 1) is int e and not 0)
            {
                throw new SocketException(e);
            }

            // Not fatal: a smaller buffer only makes ENOBUFS (and so a rescan) likelier.
            if (Libc.SetSockOpt(handle, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, receiveBuffer) != 0)
            {
                Libc.SetSockOpt(handle, Libc.SOL_SOCKET, Libc.SO_RCVBUF, receiveBuffer);
            }

            uint port = Libc.BindNetlink(handle, (uint)group);
            return new NetlinkUeventSource(handle, group, port, isUdevd ?? UdevdProcess.Is);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public async Task RunAsync(ChannelWriter<SourceMessage> output, CancellationToken ct)
    {
        byte[] buffer = new byte[UeventParser.MaxDatagram + 1];
        while (!ct.IsCancellationRequested)
        {
            // Readiness only: MSG_PEEK with no buffer leaves the datagram for recvmsg. The kernel reports
            // an overrun on whichever call comes first, so the peek may be the one that sees ENOBUFS.
            try
            {
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.Peek, ct);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.NoBufferSpaceAvailable)
            {
                await output.WriteAsync(new SourceMessage.Lost("the kernel dropped uevents (receive buffer full)"), ct);
                continue;
            }

            int errno;
            while (true)
            {
                if (!Libc.TryReceiveNetlink(_handle, buffer, out Libc.NetlinkDatagram d, out errno))
                {
                    break;
                }

                long at = Stopwatch.GetTimestamp();
                await output.WriteAsync(Classify(buffer.AsSpan(0, d.Length), d, at), ct);
            }

            if (errno == Errno.ENOBUFS)
            {
                await output.WriteAsync(new SourceMessage.Lost("the kernel dropped uevents (receive buffer full)"), ct);
            }
            else if (errno != Errno.EAGAIN)
            {
                throw new SocketException(errno);
            }
        }
    }

    private SourceMessage Classify(ReadOnlySpan<byte> bytes, Libc.NetlinkDatagram d, long at)
    {
        string? refusal = d.Truncated
            ? $"truncated (more than {UeventParser.MaxDatagram} bytes)"
            : UeventTrust.Refusal(Group, d.SenderPort, d.Credentials?.Uid, d.Credentials?.Pid ?? 0, _isUdevd);
        if (refusal is not null)
        {
            return new SourceMessage.Rejected($"untrusted: {refusal}", bytes.ToArray());
        }

        return UeventParser.TryParse(bytes, out Uevent? uevent, out string? error)
            ? new SourceMessage.Received(uevent, at)
            : new SourceMessage.Rejected($"malformed: {error}", bytes.ToArray());
    }

    public void Dispose()
    {
        _socket.Dispose();
        _handle.Dispose();
    }
}
