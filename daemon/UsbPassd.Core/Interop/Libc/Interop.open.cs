using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int O_RDONLY = 0x0;
        internal const int O_WRONLY = 0x1;
        internal const int O_CREAT = 0x40;
        internal const int O_EXCL = 0x80;
        internal const int O_DIRECTORY = 0x10000;
        internal const int O_NOFOLLOW = 0x20000;
        internal const int O_CLOEXEC = 0x80000;
        internal const int AT_FDCWD = -100;

        // open() returns a C int: take it as int and wrap it, because a SafeHandle return would be
        // read as a 64-bit value whose upper half is undefined.
        [LibraryImport(Libraries.Libc, EntryPoint = "openat", SetLastError = true)]
        private static unsafe partial int OpenAtRaw(int dirfd, byte* path, int flags, int mode);

        /// <summary>openat(2) with a NUL-terminated UTF-8 path; the handle is invalid on failure (errno in <paramref name="errno"/>).</summary>
        /// <param name="mode">The permissions of a file that O_CREAT creates (the umask still applies).</param>
        internal static unsafe SafeFdHandle OpenAt(SafeFdHandle? directory, ReadOnlySpan<byte> pathZ, int flags, out int errno, int mode = 0)
        {
            if (pathZ.IsEmpty || pathZ[^1] != 0)
            {
                throw new ArgumentException("path must be NUL-terminated", nameof(pathZ));
            }

            bool added = false;
            try
            {
                directory?.DangerousAddRef(ref added);
                int dirfd = directory is null ? AT_FDCWD : directory.Fd;
                int fd;
                fixed (byte* p = pathZ)
                {
                    do
                    {
                        fd = OpenAtRaw(dirfd, p, flags | O_CLOEXEC, mode);
                        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
                    }
                    while (fd < 0 && errno == Errno.EINTR);
                }

                return fd < 0 ? new SafeFdHandle() : new SafeFdHandle(fd);
            }
            finally
            {
                if (added)
                {
                    directory!.DangerousRelease();
                }
            }
        }
    }
}
