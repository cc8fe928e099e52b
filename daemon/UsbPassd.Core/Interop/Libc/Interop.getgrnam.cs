using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>struct group (glibc, LP64).</summary>
        [StructLayout(LayoutKind.Sequential)]
        private struct Group
        {
            public IntPtr Name;
            public IntPtr Password;
            public uint Gid;
            public IntPtr Members;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "getgrnam_r", StringMarshalling = StringMarshalling.Utf8)]
        private static unsafe partial int GetGrNamR(string name, Group* group, byte* buffer, nuint length, Group** result);

        /// <summary>The gid of a group by name through NSS (files, LDAP...), or null when there is none.</summary>
        internal static unsafe uint? GroupId(string name)
        {
            Group group;
            Group* result = null;
            byte[] buffer = new byte[16384];
            fixed (byte* b = buffer)
            {
                int rc = GetGrNamR(name, &group, b, (nuint)buffer.Length, &result);
                return rc == 0 && result != null ? group.Gid : null;
            }
        }
    }
}
