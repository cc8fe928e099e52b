using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

/// <summary>A virDomainPtr; released with virDomainFree.</summary>
internal sealed class SafeVirDomainHandle : SafeHandle
{
    public SafeVirDomainHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    /// <param name="existing">A virDomainPtr.</param>
    /// <param name="owned">False for a pointer libvirt lends to a callback (valid during the callback only).</param>
    internal SafeVirDomainHandle(IntPtr existing, bool owned = true) : base(IntPtr.Zero, owned) => SetHandle(existing);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => Interop.Libvirt.DomainFree(handle) == 0;
}
