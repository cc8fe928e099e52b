using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        /// <summary>Once per process, before the connection whose events we want is opened.</summary>
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virEventRegisterDefaultImpl")]
        internal static partial int EventRegisterDefaultImpl();

        /// <summary>One iteration of libvirt's event loop (keepalive, events, close detection); call it forever on one thread.</summary>
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virEventRunDefaultImpl")]
        internal static partial int EventRunDefaultImpl();

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virEventAddTimeout")]
        internal static unsafe partial int EventAddTimeout(int frequencyMs, delegate* unmanaged<int, IntPtr, void> callback, IntPtr opaque, IntPtr freeCallback);
    }
}
