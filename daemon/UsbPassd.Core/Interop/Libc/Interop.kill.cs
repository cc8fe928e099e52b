using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SIGKILL = 9;

        /// <summary>
        /// kill(2). For <see cref="Faults.CrashPoint"/>: SIGKILL to ourselves ends the process at once,
        /// with no finally blocks, no flushes and no hosted-service stops (a crash, not an exit).
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "kill", SetLastError = true)]
        internal static partial int Kill(int pid, int signal);
    }
}
