using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int AF_NETLINK = 16;
        internal const int SOCK_RAW = 3;
        internal const int SOCK_CLOEXEC = 0x80000;
        internal const int SOCK_NONBLOCK = 0x800;
        internal const int NETLINK_KOBJECT_UEVENT = 15;

        [LibraryImport(Libraries.Libc, EntryPoint = "socket", SetLastError = true)]
        private static partial int SocketRaw(int domain, int type, int protocol);

        /// <summary>socket(2); .NET's AddressFamily has no netlink, so the descriptor is made here and wrapped.</summary>
        internal static SafeSocketHandle Socket(int domain, int type, int protocol)
        {
            int fd = SocketRaw(domain, type | SOCK_CLOEXEC, protocol);
            return fd < 0
                ? throw new SocketException(Marshal.GetLastPInvokeError())
                : new SafeSocketHandle(new IntPtr(fd), ownsHandle: true);
        }
    }
}
