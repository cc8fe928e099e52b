using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// umask(2): sets the process's file creation mask and returns the previous one. For tests that
        /// check a file's mode does not depend on it (the unit runs usbpassd with UMask=0077).
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "umask")]
        internal static partial uint Umask(uint mask);
    }
}
