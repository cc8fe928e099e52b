namespace UsbPassd.Interop;

internal static partial class Interop
{
    /// <summary>The errno values the callers branch on (Linux, all architectures we ship for).</summary>
    internal static class Errno
    {
        internal const int ENOENT = 2;
        internal const int EINTR = 4;
        internal const int EIO = 5;
        internal const int EAGAIN = 11;
        internal const int EACCES = 13;
        internal const int ENODEV = 19;
        internal const int ENOTDIR = 20;
        internal const int ELOOP = 40;
        internal const int EPERM = 1;
        internal const int ENOBUFS = 105;
    }
}
