using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SOL_SOCKET = 1;
        internal const int SO_RCVBUF = 8;
        internal const int SO_PASSCRED = 16;
        internal const int SO_RCVBUFFORCE = 33;

        [LibraryImport(Libraries.Libc, EntryPoint = "setsockopt", SetLastError = true)]
        private static partial int SetSockOptRaw(System.Net.Sockets.SafeSocketHandle socket, int level, int name, in int value, int length);

        /// <summary>setsockopt(2) with an int value; the errno on failure, 0 on success.</summary>
        internal static int SetSockOpt(System.Net.Sockets.SafeSocketHandle socket, int level, int name, int value) =>
            SetSockOptRaw(socket, level, name, value, sizeof(int)) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }
}
