using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SO_PEERCRED = 17;

        [LibraryImport(Libraries.Libc, EntryPoint = "getsockopt", SetLastError = true)]
        private static partial int GetSockOptRaw(SafeSocketHandle socket, int level, int name, out UCred value, ref int length);

        /// <summary>SO_PEERCRED: who is at the other end of a connected Unix socket (as of connect(2)).</summary>
        internal static unsafe UCred PeerCredentials(SafeSocketHandle socket)
        {
            int length = sizeof(UCred);
            return GetSockOptRaw(socket, SOL_SOCKET, SO_PEERCRED, out UCred cred, ref length) == 0
                ? cred
                : throw new SocketException(Marshal.GetLastPInvokeError());
        }
    }
}
