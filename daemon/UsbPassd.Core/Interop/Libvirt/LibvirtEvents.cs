using System.Runtime.InteropServices;

namespace UsbPassd.Interop;

/// <summary>
/// The events of one libvirt connection (close, domain lifecycle, device added and removed), turned
/// from libvirt's callbacks into managed events with the domain's UUID as a string. They are raised
/// on libvirt's event loop thread (<see cref="LibvirtEventLoop"/>): handlers must only queue.
/// </summary>
internal sealed class LibvirtEvents : IDisposable
{
    private const int EventLifecycle = 0;
    private const int EventDeviceRemoved = 15;
    private const int EventDeviceAdded = 19;

    // What libvirt hands back to the callbacks (the opaque pointer); freed with the connection.
    private GCHandle _self;

    internal LibvirtEvents() => _self = GCHandle.Alloc(this);

    /// <summary>(domain UUID, virDomainEventType, detail).</summary>
    public event Action<string, int, int>? Lifecycle;

    /// <summary>(domain UUID, device alias).</summary>
    public event Action<string, string>? DeviceRemoved;

    /// <summary>(domain UUID, device alias).</summary>
    public event Action<string, string>? DeviceAdded;

    /// <summary>The reason code of virConnectCloseReason (error, eof, keepalive, client).</summary>
    public event Action<int>? Closed;

    /// <summary>Sets keepalive and registers the callbacks on <paramref name="connection"/>.</summary>
    /// <returns>null, or what failed: then close the connection, then dispose of this.</returns>
    internal unsafe LibvirtError? RegisterOn(SafeVirConnectHandle connection)
    {
        IntPtr opaque = GCHandle.ToIntPtr(_self);
        Interop.Libvirt.ConnectSetKeepAlive(connection, 5, 5);
        Interop.Libvirt.ConnectRegisterCloseCallback(connection, &OnClosed, opaque, IntPtr.Zero);
        delegate* unmanaged<IntPtr, IntPtr, int, int, IntPtr, int> lifecycle = &OnLifecycle;
        delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, void> removed = &OnDeviceRemoved;
        delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, void> added = &OnDeviceAdded;
        if (Interop.Libvirt.ConnectDomainEventRegisterAny(connection, IntPtr.Zero, EventLifecycle, lifecycle, opaque, IntPtr.Zero) < 0
            || Interop.Libvirt.ConnectDomainEventRegisterAny(connection, IntPtr.Zero, EventDeviceRemoved, removed, opaque, IntPtr.Zero) < 0
            || Interop.Libvirt.ConnectDomainEventRegisterAny(connection, IntPtr.Zero, EventDeviceAdded, added, opaque, IntPtr.Zero) < 0)
        {
            var (code, message) = Interop.Libvirt.TakeLastError();
            return new LibvirtError("register domain events", code, message);
        }

        return null;
    }

    /// <summary>Frees the handle libvirt's callbacks find us by: call it after the connection is closed.</summary>
    public void Dispose()
    {
        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    private static LibvirtEvents? Of(IntPtr opaque) => GCHandle.FromIntPtr(opaque).Target as LibvirtEvents;

    [UnmanagedCallersOnly]
    private static int OnLifecycle(IntPtr connection, IntPtr domain, int eventType, int detail, IntPtr opaque)
    {
        if (Of(opaque) is LibvirtEvents self && Uuid(domain) is string uuid)
        {
            self.Lifecycle?.Invoke(uuid, eventType, detail);
        }

        return 0;
    }

    [UnmanagedCallersOnly]
    private static void OnDeviceRemoved(IntPtr connection, IntPtr domain, IntPtr alias, IntPtr opaque) =>
        RaiseDeviceEvent(domain, alias, opaque, added: false);

    [UnmanagedCallersOnly]
    private static void OnDeviceAdded(IntPtr connection, IntPtr domain, IntPtr alias, IntPtr opaque) =>
        RaiseDeviceEvent(domain, alias, opaque, added: true);

    private static void RaiseDeviceEvent(IntPtr domain, IntPtr alias, IntPtr opaque, bool added)
    {
        if (Of(opaque) is LibvirtEvents self && Uuid(domain) is string uuid && Marshal.PtrToStringUTF8(alias) is string name)
        {
            (added ? self.DeviceAdded : self.DeviceRemoved)?.Invoke(uuid, name);
        }
    }

    [UnmanagedCallersOnly]
    private static void OnClosed(IntPtr connection, int reason, IntPtr opaque) => Of(opaque)?.Closed?.Invoke(reason);

    // The domain pointer is libvirt's, lent for the callback only.
    private static string? Uuid(IntPtr domain)
    {
        using var lent = new SafeVirDomainHandle(domain, owned: false);
        return Interop.Libvirt.DomainGetUuidString(lent);
    }
}
