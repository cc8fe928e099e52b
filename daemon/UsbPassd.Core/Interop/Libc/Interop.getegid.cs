using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>getegid(2): the group a file this process creates is given (unless its folder is set-group-ID).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "getegid")]
        internal static partial uint GetEgid();
    }
}
