using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SO_PEERCRED = 17;
        internal const int SO_PEERGROUPS = 59;
        private const int ERANGE = 34;

        [LibraryImport(Libraries.Libc, EntryPoint = "getsockopt", SetLastError = true)]
        private static partial int GetSockOptRaw(SafeSocketHandle socket, int level, int name, out UCred value, ref int length);

        [LibraryImport(Libraries.Libc, EntryPoint = "getsockopt", SetLastError = true)]
        private static unsafe partial int GetSockOptRaw(SafeSocketHandle socket, int level, int name, uint* value, ref int length);

        /// <summary>SO_PEERCRED: who is at the other end of a connected Unix socket (as of connect(2)).</summary>
        internal static unsafe UCred PeerCredentials(SafeSocketHandle socket)
        {
            int length = sizeof(UCred);
            return GetSockOptRaw(socket, SOL_SOCKET, SO_PEERCRED, out UCred cred, ref length) == 0
                ? cred
                : throw new SocketException(Marshal.GetLastPInvokeError());
        }

        /// <summary>
        /// SO_PEERGROUPS (Linux 4.13): the peer's supplementary groups as the kernel recorded them at
        /// connect(2). Unlike /proc/PID/status they cannot belong to another process that reused the PID.
        /// </summary>
        internal static unsafe uint[] PeerGroups(SafeSocketHandle socket)
        {
            uint[] groups = new uint[64];
            while (true)
            {
                int length = groups.Length * sizeof(uint);
                int rc;
                fixed (uint* p = groups)
                {
                    rc = GetSockOptRaw(socket, SOL_SOCKET, SO_PEERGROUPS, p, ref length);
                }

                if (rc == 0)
                {
                    return groups[..(length / sizeof(uint))];
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno != ERANGE || length <= groups.Length * sizeof(uint))
                {
                    throw new SocketException(errno);
                }

                groups = new uint[length / sizeof(uint)]; // the kernel said how many there are
            }
        }
    }
}
