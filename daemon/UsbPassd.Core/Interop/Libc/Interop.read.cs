using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "read", SetLastError = true)]
        private static unsafe partial nint ReadRaw(SafeFdHandle fd, byte* buffer, nuint count);

        /// <summary>Reads a whole small file into <paramref name="buffer"/> (at most its size); returns the byte count or -errno.</summary>
        /// <remarks>
        /// A short read ends the loop: regular files and sysfs attributes return less than asked only at end of
        /// file, so the usual extra read that returns 0 would cost a syscall for nothing (a quarter of a scan).
        /// </remarks>
        internal static unsafe int ReadToEnd(SafeFdHandle fd, Span<byte> buffer)
        {
            int total = 0;
            fixed (byte* p = buffer)
            {
                while (total < buffer.Length)
                {
                    int requested = buffer.Length - total;
                    nint n = ReadRaw(fd, p + total, (nuint)requested);
                    if (n == 0)
                    {
                        break;
                    }

                    if (n < 0)
                    {
                        int errno = Marshal.GetLastPInvokeError();
                        if (errno == Errno.EINTR)
                        {
                            continue;
                        }

                        return -errno;
                    }

                    total += (int)n;
                    if (n < requested)
                    {
                        break;
                    }
                }
            }

            return total;
        }
    }
}
