namespace UsbPassd.Interop;

internal static partial class Interop
{
    internal static class Libraries
    {
        internal const string Libc = "libc";
        internal const string Libvirt = "libvirt.so.0";
    }
}
