using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>struct sockaddr_nl.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct SockaddrNl
        {
            public ushort Family;
            public ushort Pad;
            public uint Pid;
            public uint Groups;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "bind", SetLastError = true)]
        private static partial int BindRaw(SafeSocketHandle socket, in SockaddrNl address, int length);

        [LibraryImport(Libraries.Libc, EntryPoint = "getsockname", SetLastError = true)]
        private static partial int GetSockNameRaw(SafeSocketHandle socket, out SockaddrNl address, ref int length);

        /// <summary>Binds a netlink socket to multicast <paramref name="groups"/>; returns the port id the kernel assigned.</summary>
        internal static unsafe uint BindNetlink(SafeSocketHandle socket, uint groups)
        {
            var address = new SockaddrNl { Family = AF_NETLINK, Groups = groups };
            if (BindRaw(socket, address, sizeof(SockaddrNl)) != 0)
            {
                throw new SocketException(Marshal.GetLastPInvokeError());
            }

            int length = sizeof(SockaddrNl);
            return GetSockNameRaw(socket, out SockaddrNl bound, ref length) == 0
                ? bound.Pid
                : throw new SocketException(Marshal.GetLastPInvokeError());
        }
    }
}
