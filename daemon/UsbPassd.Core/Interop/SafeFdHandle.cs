using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

/// <summary>A file descriptor owned by managed code; -1 is invalid (0 is a valid descriptor).</summary>
internal sealed class SafeFdHandle : SafeHandle
{
    public SafeFdHandle() : base(new IntPtr(-1), ownsHandle: true) { }

    internal SafeFdHandle(int fd) : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle == new IntPtr(-1);

    internal int Fd => (int)handle;

    protected override bool ReleaseHandle() => Interop.Libc.Close((int)handle) == 0;
}
