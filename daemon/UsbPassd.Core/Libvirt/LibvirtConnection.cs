using System.Runtime.InteropServices;
using UsbPassd.Interop;
using Native = UsbPassd.Interop.Interop.Libvirt;

namespace UsbPassd.Libvirt;

/// <summary>
/// A connection to libvirtd through libvirt's C library. Every call reads libvirt's (thread-local)
/// error on its own thread right after failing. libvirt's default event loop runs on one
/// process-wide thread; it carries keepalive, the close callback and the domain events
/// (lifecycle, device added and removed), which are raised from that thread: handlers must only queue.
/// </summary>
public sealed class LibvirtConnection : IDisposable
{
    private const int EventLifecycle = 0;
    private const int EventDeviceRemoved = 15;
    private const int EventDeviceAdded = 19;
    private static readonly Lock EventLoopLock = new();
    private static Thread? _eventLoop;

    private readonly SafeVirConnectHandle _handle;
    private readonly GCHandle _self;
    private volatile bool _closed;

    private LibvirtConnection(string uri, SafeVirConnectHandle handle)
    {
        Uri = uri;
        _handle = handle;
        _self = GCHandle.Alloc(this);
    }

    public string Uri { get; }

    /// <summary>False once libvirtd closed the connection (restart, keepalive timeout): reopen and resync.</summary>
    public bool IsAlive => !_closed && Native.ConnectIsAlive(_handle) == 1;

    /// <summary>(domain UUID, virDomainEventType, detail).</summary>
    public event Action<string, int, int>? Lifecycle;

    /// <summary>(domain UUID, device alias): a detach finished (or a device vanished from the guest).</summary>
    public event Action<string, string>? DeviceRemoved;

    /// <summary>(domain UUID, device alias): a hot-plug finished (ours, or one done with virsh).</summary>
    public event Action<string, string>? DeviceAdded;

    /// <summary>The reason code of virConnectCloseReason (error, eof, keepalive, client).</summary>
    public event Action<int>? Closed;

    /// <exception cref="LibvirtException">libvirtd cannot be reached; the message is libvirt's.</exception>
    public static unsafe LibvirtConnection Open(string uri)
    {
        StartEventLoop();
        SafeVirConnectHandle handle = Native.ConnectOpen(uri);
        if (handle.IsInvalid)
        {
            var (code, message) = Native.TakeLastError();
            handle.Dispose();
            throw new LibvirtException($"connect to {uri}", code, message);
        }

        var connection = new LibvirtConnection(uri, handle);
        IntPtr opaque = GCHandle.ToIntPtr(connection._self);
        Native.ConnectSetKeepAlive(handle, 5, 5);
        Native.ConnectRegisterCloseCallback(handle, &OnClosed, opaque, IntPtr.Zero);
        delegate* unmanaged<IntPtr, IntPtr, int, int, IntPtr, int> lifecycle = &OnLifecycle;
        delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, void> removed = &OnDeviceRemoved;
        delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, void> added = &OnDeviceAdded;
        if (Native.ConnectDomainEventRegisterAny(handle, IntPtr.Zero, EventLifecycle, lifecycle, opaque, IntPtr.Zero) < 0
            || Native.ConnectDomainEventRegisterAny(handle, IntPtr.Zero, EventDeviceRemoved, removed, opaque, IntPtr.Zero) < 0
            || Native.ConnectDomainEventRegisterAny(handle, IntPtr.Zero, EventDeviceAdded, added, opaque, IntPtr.Zero) < 0)
        {
            var (code, message) = Native.TakeLastError();
            connection.Dispose();
            throw new LibvirtException("register domain events", code, message);
        }

        return connection;
    }

    /// <summary>A domain by UUID or name.</summary>
    public LibvirtDomain FindDomain(string instance)
    {
        SafeVirDomainHandle handle = Guid.TryParse(instance, out _)
            ? Native.DomainLookupByUuidString(_handle, instance)
            : Native.DomainLookupByName(_handle, instance);
        if (handle.IsInvalid)
        {
            var (code, message) = Native.TakeLastError();
            handle.Dispose();
            throw new LibvirtException($"find domain {instance}", code, message);
        }

        return Describe(handle);
    }

    public IReadOnlyList<LibvirtDomain> ListDomains()
    {
        List<SafeVirDomainHandle>? handles = Native.ConnectListAllDomains(_handle);
        if (handles is null)
        {
            var (code, message) = Native.TakeLastError();
            throw new LibvirtException("list domains", code, message);
        }

        return [.. handles.Select(Describe)];
    }

    /// <summary>The live XML, or the persistent (next boot) one with <paramref name="inactive"/>.</summary>
    public string Xml(LibvirtDomain domain, bool inactive = false)
    {
        EnsureOpen();
        return Native.DomainGetXmlDesc(domain.Handle, inactive ? Native.XmlInactive : 0) ?? throw Failure($"read the XML of {domain}");
    }

    public void Attach(LibvirtDomain domain, string hostdevXml, uint flags)
    {
        EnsureOpen();
        if (Native.DomainAttachDeviceFlags(domain.Handle, hostdevXml, flags) < 0)
        {
            throw Failure($"attach to {domain}");
        }
    }

    /// <summary>Asks for the detach; for a live domain it is done when <see cref="DeviceRemoved"/> says so.</summary>
    public void DetachAlias(LibvirtDomain domain, string alias, uint flags)
    {
        EnsureOpen();
        if (Native.DomainDetachDeviceAlias(domain.Handle, alias, flags) < 0)
        {
            throw Failure($"detach {alias} from {domain}");
        }
    }

    private void EnsureOpen()
    {
        if (_closed)
        {
            throw new LibvirtException($"the connection to {Uri} was closed by libvirtd (restarted?); usbpassd reconnects and retries");
        }
    }

    private LibvirtDomain Describe(SafeVirDomainHandle handle)
    {
        int state = Native.DomainGetState(handle, out int s, out _, 0) == 0 ? s : 0;
        return new LibvirtDomain(handle, Native.DomainGetUuidString(handle) ?? "?", Native.DomainGetName(handle) ?? "?", (DomainState)state, Native.DomainIsPersistent(handle) == 1);
    }

    private static LibvirtException Failure(string operation)
    {
        var (code, message) = Native.TakeLastError();
        return new LibvirtException(operation, code, message);
    }

    // libvirt's event loop must be registered before the first connection that wants events.
    private static unsafe void StartEventLoop()
    {
        lock (EventLoopLock)
        {
            if (_eventLoop is not null)
            {
                return;
            }

            Native.SilenceDefaultErrorHandler();
            if (Native.EventRegisterDefaultImpl() < 0)
            {
                throw Failure("register libvirt's event loop");
            }

            // A periodic timeout keeps the loop turning even with nothing to watch yet.
            if (Native.EventAddTimeout(1000, &OnTick, IntPtr.Zero, IntPtr.Zero) < 0)
            {
                throw Failure("add libvirt's event loop timer");
            }

            _eventLoop = new Thread(() =>
            {
                while (true)
                {
                    if (Native.EventRunDefaultImpl() < 0)
                    {
                        Thread.Sleep(100); // a broken iteration must not spin a core
                    }
                }
            })
            {
                IsBackground = true,
                Name = "libvirt events",
            };
            _eventLoop.Start();
        }
    }

    [UnmanagedCallersOnly]
    private static void OnTick(int timer, IntPtr opaque)
    {
    }

    [UnmanagedCallersOnly]
    private static int OnLifecycle(IntPtr connection, IntPtr domain, int eventType, int detail, IntPtr opaque)
    {
        if (GCHandle.FromIntPtr(opaque).Target is LibvirtConnection self)
        {
            using var lent = new SafeVirDomainHandle(domain, owned: false);
            if (Native.DomainGetUuidString(lent) is string uuid)
            {
                self.Lifecycle?.Invoke(uuid, eventType, detail);
            }
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
        if (GCHandle.FromIntPtr(opaque).Target is LibvirtConnection self)
        {
            using var lent = new SafeVirDomainHandle(domain, owned: false);
            if (Native.DomainGetUuidString(lent) is string uuid && Marshal.PtrToStringUTF8(alias) is string name)
            {
                (added ? self.DeviceAdded : self.DeviceRemoved)?.Invoke(uuid, name);
            }
        }
    }

    [UnmanagedCallersOnly]
    private static void OnClosed(IntPtr connection, int reason, IntPtr opaque)
    {
        if (GCHandle.FromIntPtr(opaque).Target is LibvirtConnection self)
        {
            self._closed = true;
            self.Closed?.Invoke(reason);
        }
    }

    public void Dispose()
    {
        _handle.Dispose();
        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }
}
