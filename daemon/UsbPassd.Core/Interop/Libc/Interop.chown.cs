using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int ChownRaw(string path, uint owner, uint group);

        /// <summary>chown(2); -1 as owner or group leaves it unchanged. Throws with the path on failure.</summary>
        internal static void Chown(string path, uint owner, uint group)
        {
            if (ChownRaw(path, owner, group) != 0)
            {
                throw new IOException($"chown {path}: {StrError(Marshal.GetLastPInvokeError())}");
            }
        }
    }
}
