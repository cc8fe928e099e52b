using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virGetLastErrorCode")]
        private static partial int GetLastErrorCode();

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virGetLastErrorMessage")]
        private static partial IntPtr GetLastErrorMessageRaw();

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virResetLastError")]
        private static partial void ResetLastError();

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virSetErrorFunc")]
        private static unsafe partial void SetErrorFunc(IntPtr userData, delegate* unmanaged<IntPtr, IntPtr, void> handler);

        /// <summary>
        /// The error of the last failed call on this thread. libvirt keeps errors per thread: call it
        /// right after the failing call, on the same thread, with no await in between.
        /// </summary>
        internal static (int Code, string Message) TakeLastError()
        {
            int code = GetLastErrorCode();
            string message = Marshal.PtrToStringUTF8(GetLastErrorMessageRaw()) ?? "unknown libvirt error";
            ResetLastError();
            return (code, message);
        }

        /// <summary>Stops libvirt from printing every error to stderr: errors are reported through our exceptions.</summary>
        internal static unsafe void SilenceDefaultErrorHandler() => SetErrorFunc(IntPtr.Zero, &IgnoreError);

        [UnmanagedCallersOnly]
        private static void IgnoreError(IntPtr userData, IntPtr error)
        {
        }
    }
}
