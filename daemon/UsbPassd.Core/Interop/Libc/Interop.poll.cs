using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        private const short POLLHUP = 0x10;

        [StructLayout(LayoutKind.Sequential)]
        private struct PollFd
        {
            public int Fd;
            public short Events;
            public short Revents;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "poll", SetLastError = true)]
        private static partial int PollRaw(ref PollFd fds, nuint count, int timeoutMs);

        /// <summary>
        /// True when the peer of a stream socket has closed it entirely. A Unix socket reports POLLHUP
        /// only once both directions are shut; a client that only half-closed (shutdown(SHUT_WR), as
        /// socat and the libvirt hook do) still waits for its replies and is not hung up.
        /// </summary>
        internal static bool PeerHungUp(SafeSocketHandle socket)
        {
            bool added = false;
            try
            {
                socket.DangerousAddRef(ref added);
                var fd = new PollFd { Fd = (int)socket.DangerousGetHandle(), Events = 0 };
                return PollRaw(ref fd, 1, 0) > 0 && (fd.Revents & POLLHUP) != 0;
            }
            finally
            {
                if (added)
                {
                    socket.DangerousRelease();
                }
            }
        }
    }
}
