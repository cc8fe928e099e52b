using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "read", SetLastError = true)]
        private static unsafe partial nint ReadRaw(SafeFdHandle fd, byte* buffer, nuint count);

        /// <summary>Reads until end of file or until <paramref name="buffer"/> is full; returns the byte count or -errno.</summary>
        internal static unsafe int ReadToEnd(SafeFdHandle fd, Span<byte> buffer)
        {
            int total = 0;
            fixed (byte* p = buffer)
            {
                while (total < buffer.Length)
                {
                    nint n = ReadRaw(fd, p + total, (nuint)(buffer.Length - total));
                    if (n == 0)
                    {
                        break;
                    }

                    if (n < 0)
                    {
                        int errno = Marshal.GetLastPInvokeError();
                        if (errno == Errno.EINTR || errno == Errno.EAGAIN)
                        {
                            continue;
                        }

                        return -errno;
                    }

                    total += (int)n;
                }
            }

            return total;
        }
    }
}
