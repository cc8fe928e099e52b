using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "fchmod", SetLastError = true)]
        private static partial int FChmodRaw(SafeFdHandle fd, uint mode);

        /// <summary>fchmod(2): the mode as given, whatever the umask was at creation; 0 or -errno.</summary>
        internal static int FChmod(SafeFdHandle fd, UnixFileMode mode) =>
            FChmodRaw(fd, (uint)mode) == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }
}
