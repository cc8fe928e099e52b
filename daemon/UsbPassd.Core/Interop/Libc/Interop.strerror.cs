using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>The C library's text for an errno value ("No such file or directory").</summary>
        internal static string StrError(int errno) => Marshal.GetPInvokeErrorMessage(errno);
    }
}
