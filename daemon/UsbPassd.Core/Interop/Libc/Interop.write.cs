using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "write", SetLastError = true)]
        private static unsafe partial nint WriteRaw(SafeFdHandle fd, byte* buffer, nuint count);

        /// <summary>Writes all of <paramref name="data"/> (short writes and EINTR are continued); 0 or -errno.</summary>
        internal static unsafe int WriteAll(SafeFdHandle fd, ReadOnlySpan<byte> data)
        {
            fixed (byte* p = data)
            {
                int written = 0;
                while (written < data.Length)
                {
                    nint n = WriteRaw(fd, p + written, (nuint)(data.Length - written));
                    if (n < 0)
                    {
                        int errno = Marshal.GetLastPInvokeError();
                        if (errno == Errno.EINTR)
                        {
                            continue;
                        }

                        return -errno;
                    }

                    if (n == 0)
                    {
                        return -Errno.EIO; // a regular file never takes nothing; do not spin on it
                    }

                    written += (int)n;
                }
            }

            return 0;
        }
    }
}
