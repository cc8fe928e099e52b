using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        internal const uint AffectLive = 1;
        internal const uint AffectConfig = 2;
        internal const uint XmlInactive = 2;

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainLookupByUUIDString", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial SafeVirDomainHandle DomainLookupByUuidString(SafeVirConnectHandle connection, string uuid);

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainLookupByName", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial SafeVirDomainHandle DomainLookupByName(SafeVirConnectHandle connection, string name);

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainFree")]
        internal static partial int DomainFree(IntPtr domain);

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetState")]
        internal static partial int DomainGetState(SafeVirDomainHandle domain, out int state, out int reason, uint flags);

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainIsPersistent")]
        internal static partial int DomainIsPersistent(SafeVirDomainHandle domain);

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetName")]
        private static partial IntPtr DomainGetNameRaw(SafeVirDomainHandle domain);

        internal static string? DomainGetName(SafeVirDomainHandle domain) => Marshal.PtrToStringUTF8(DomainGetNameRaw(domain));

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetUUIDString")]
        private static unsafe partial int DomainGetUuidStringRaw(SafeVirDomainHandle domain, byte* buffer);

        internal static unsafe string? DomainGetUuidString(SafeVirDomainHandle domain)
        {
            byte* buffer = stackalloc byte[37]; // VIR_UUID_STRING_BUFLEN
            return DomainGetUuidStringRaw(domain, buffer) == 0 ? Marshal.PtrToStringUTF8((IntPtr)buffer) : null;
        }

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetXMLDesc")]
        private static partial IntPtr DomainGetXmlDescRaw(SafeVirDomainHandle domain, uint flags);

        /// <summary>The domain's XML (the caller owns libvirt's copy: freed here); null on error.</summary>
        internal static string? DomainGetXmlDesc(SafeVirDomainHandle domain, uint flags)
        {
            IntPtr xml = DomainGetXmlDescRaw(domain, flags);
            if (xml == IntPtr.Zero)
            {
                return null;
            }

            try
            {
                return Marshal.PtrToStringUTF8(xml);
            }
            finally
            {
                Libc.Free(xml);
            }
        }

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainAttachDeviceFlags", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int DomainAttachDeviceFlags(SafeVirDomainHandle domain, string xml, uint flags);

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainDetachDeviceAlias", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int DomainDetachDeviceAlias(SafeVirDomainHandle domain, string alias, uint flags);

        internal const int MetadataElement = 2; // VIR_DOMAIN_METADATA_ELEMENT

        /// <summary>Sets (or, with a null <paramref name="metadata"/>, removes) our element in the domain's &lt;metadata&gt;, under <paramref name="key"/> and namespace <paramref name="uri"/>.</summary>
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainSetMetadata", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int DomainSetMetadata(SafeVirDomainHandle domain, int type, string? metadata, string key, string uri, uint flags);

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainRef")]
        internal static partial int DomainRef(IntPtr domain);
    }
}
