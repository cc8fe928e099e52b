using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

/// <summary>A virConnectPtr; released with virConnectClose.</summary>
internal sealed class SafeVirConnectHandle : SafeHandle
{
    public SafeVirConnectHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => Interop.Libvirt.ConnectClose(handle) >= 0;
}
