using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int MSG_DONTWAIT = 0x40;
        internal const int MSG_TRUNC = 0x20;
        internal const int MSG_CTRUNC = 0x8;
        internal const int SCM_CREDENTIALS = 2;

        [StructLayout(LayoutKind.Sequential)]
        private unsafe struct IoVec
        {
            public byte* Base;
            public nuint Length;
        }

        [StructLayout(LayoutKind.Sequential)]
        private unsafe struct MsgHdr
        {
            public void* Name;
            public uint NameLength;
            public IoVec* Iov;
            public nuint IovLength;
            public void* Control;
            public nuint ControlLength;
            public int Flags;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct CmsgHdr
        {
            public nuint Length;
            public int Level;
            public int Type;
        }

        /// <summary>struct ucred: the sender's credentials, filled in by the kernel (not by the sender).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct UCred
        {
            public int Pid;
            public uint Uid;
            public uint Gid;
        }

        /// <summary>One datagram with who sent it.</summary>
        internal readonly record struct NetlinkDatagram(int Length, bool Truncated, uint SenderPort, UCred? Credentials);

        [LibraryImport(Libraries.Libc, EntryPoint = "recvmsg", SetLastError = true)]
        private static unsafe partial nint RecvMsgRaw(SafeSocketHandle socket, MsgHdr* message, int flags);

        /// <summary>
        /// recvmsg(2) without blocking: the datagram into <paramref name="buffer"/>, the sender's
        /// netlink port and SCM_CREDENTIALS. Returns false with the errno when nothing was read.
        /// </summary>
        internal static unsafe bool TryReceiveNetlink(SafeSocketHandle socket, Span<byte> buffer, out NetlinkDatagram datagram, out int errno)
        {
            SockaddrNl sender = default;
            byte* control = stackalloc byte[64];
            fixed (byte* data = buffer)
            {
                var iov = new IoVec { Base = data, Length = (nuint)buffer.Length };
                var message = new MsgHdr
                {
                    Name = &sender,
                    NameLength = (uint)sizeof(SockaddrNl),
                    Iov = &iov,
                    IovLength = 1,
                    Control = control,
                    ControlLength = 64,
                };
                nint n;
                do
                {
                    n = RecvMsgRaw(socket, &message, MSG_DONTWAIT);
                    errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
                }
                while (n < 0 && errno == Errno.EINTR);

                if (n < 0)
                {
                    datagram = default;
                    return false;
                }

                UCred? credentials = null;
                for (byte* c = control; c + sizeof(CmsgHdr) <= control + message.ControlLength;)
                {
                    var header = (CmsgHdr*)c;
                    if (header->Length < (nuint)sizeof(CmsgHdr))
                    {
                        break;
                    }

                    if (header->Level == SOL_SOCKET && header->Type == SCM_CREDENTIALS && header->Length >= (nuint)(sizeof(CmsgHdr) + sizeof(UCred)))
                    {
                        credentials = *(UCred*)(c + sizeof(CmsgHdr));
                    }

                    c += (header->Length + 7) & ~(nuint)7;
                }

                datagram = new NetlinkDatagram((int)n, (message.Flags & MSG_TRUNC) != 0, sender.Pid, credentials);
                return true;
            }
        }
    }
}
