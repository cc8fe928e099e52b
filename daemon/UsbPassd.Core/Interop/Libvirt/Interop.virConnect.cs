using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectOpen", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial SafeVirConnectHandle ConnectOpen(string uri);

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectClose")]
        internal static partial int ConnectClose(IntPtr connection);

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectIsAlive")]
        internal static partial int ConnectIsAlive(SafeVirConnectHandle connection);

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectSetKeepAlive")]
        internal static partial int ConnectSetKeepAlive(SafeVirConnectHandle connection, int interval, uint count);

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectRegisterCloseCallback")]
        internal static unsafe partial int ConnectRegisterCloseCallback(SafeVirConnectHandle connection, delegate* unmanaged<IntPtr, int, IntPtr, void> callback, IntPtr opaque, IntPtr freeCallback);

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectDomainEventRegisterAny")]
        internal static unsafe partial int ConnectDomainEventRegisterAny(SafeVirConnectHandle connection, IntPtr domain, int eventId, void* callback, IntPtr opaque, IntPtr freeCallback);

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectListAllDomains")]
        private static partial int ConnectListAllDomainsRaw(SafeVirConnectHandle connection, out IntPtr domains, uint flags);

        /// <summary>All domains (running and defined); -1 on error (read the error on this thread).</summary>
        internal static unsafe List<SafeVirDomainHandle>? ConnectListAllDomains(SafeVirConnectHandle connection)
        {
            int n = ConnectListAllDomainsRaw(connection, out IntPtr array, 0);
            if (n < 0)
            {
                return null;
            }

            var domains = new List<SafeVirDomainHandle>(n);
            for (int i = 0; i < n; i++)
            {
                domains.Add(new SafeVirDomainHandle(((IntPtr*)array)[i]));
            }

            Libc.Free(array);
            return domains;
        }
    }
}
