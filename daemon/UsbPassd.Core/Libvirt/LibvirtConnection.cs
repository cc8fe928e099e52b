using UsbPassd.Interop;
using Native = UsbPassd.Interop.Interop.Libvirt;

namespace UsbPassd.Libvirt;

/// <summary>
/// A connection to libvirtd and the domain operations on it (find, list, read XML, attach, detach).
/// Every call reads libvirt's (thread-local) error on its own thread right after failing, and is
/// counted by name (<see cref="Calls"/>). The connection's events come from libvirt's event loop
/// (<see cref="LibvirtEvents"/>, in Interop): they are raised on its thread, so handlers must only queue.
/// </summary>
public sealed class LibvirtConnection : IDisposable
{
    private readonly SafeVirConnectHandle _handle;
    private readonly LibvirtEvents _events;
    private volatile bool _closed;

    private LibvirtConnection(string uri, SafeVirConnectHandle handle, LibvirtEvents events, LibvirtCalls calls)
    {
        Uri = uri;
        _handle = handle;
        _events = events;
        Calls = calls;
        _events.Closed += _ => _closed = true; // subscribed first: later handlers see the connection closed
    }

    public string Uri { get; }

    /// <summary>The libvirt functions called through this connection (and any other given the same counter).</summary>
    public LibvirtCalls Calls { get; }

    /// <summary>False once libvirtd closed the connection (restart, keepalive timeout): reopen and resync.</summary>
    public bool IsAlive
    {
        get
        {
            Calls.Count("virConnectIsAlive");
            return !_closed && Native.ConnectIsAlive(_handle) == 1;
        }
    }

    /// <summary>(domain UUID, virDomainEventType, detail).</summary>
    public event Action<string, int, int>? Lifecycle
    {
        add => _events.Lifecycle += value;
        remove => _events.Lifecycle -= value;
    }

    /// <summary>(domain UUID, device alias): a detach finished (or a device vanished from the guest).</summary>
    public event Action<string, string>? DeviceRemoved
    {
        add => _events.DeviceRemoved += value;
        remove => _events.DeviceRemoved -= value;
    }

    /// <summary>(domain UUID, device alias): a hot-plug finished (ours, or one done with virsh).</summary>
    public event Action<string, string>? DeviceAdded
    {
        add => _events.DeviceAdded += value;
        remove => _events.DeviceAdded -= value;
    }

    /// <summary>The reason code of virConnectCloseReason (error, eof, keepalive, client).</summary>
    public event Action<int>? Closed
    {
        add => _events.Closed += value;
        remove => _events.Closed -= value;
    }

    /// <param name="uri">libvirt's URI (qemu:///system, test:///default).</param>
    /// <param name="calls">The counter to count this connection's calls in (a new one when null).</param>
    /// <exception cref="LibvirtException">libvirtd cannot be reached; the message is libvirt's.</exception>
    public static LibvirtConnection Open(string uri, LibvirtCalls? calls = null)
    {
        calls ??= new LibvirtCalls();
        if (LibvirtEventLoop.Start() is LibvirtError loop)
        {
            throw new LibvirtException(loop.Operation, loop.Code, loop.Message);
        }

        calls.Count("virConnectOpen");
        SafeVirConnectHandle handle = Native.ConnectOpen(uri);
        if (handle.IsInvalid)
        {
            var (code, message) = Native.TakeLastError();
            handle.Dispose();
            throw new LibvirtException($"connect to {uri}", code, message);
        }

        var events = new LibvirtEvents();
        if (events.RegisterOn(handle) is LibvirtError error)
        {
            handle.Dispose();
            events.Dispose();
            throw new LibvirtException(error.Operation, error.Code, error.Message);
        }

        return new LibvirtConnection(uri, handle, events, calls);
    }

    /// <summary>A domain by UUID or name.</summary>
    public LibvirtDomain FindDomain(string instance)
    {
        bool byUuid = Guid.TryParse(instance, out _);
        Calls.Count(byUuid ? "virDomainLookupByUUIDString" : "virDomainLookupByName");
        SafeVirDomainHandle handle = byUuid ? Native.DomainLookupByUuidString(_handle, instance) : Native.DomainLookupByName(_handle, instance);
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
        Calls.Count("virConnectListAllDomains");
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
        Calls.Count("virDomainGetXMLDesc");
        return Native.DomainGetXmlDesc(domain.Handle, inactive ? Native.XmlInactive : 0) ?? throw Failure($"read the XML of {domain}");
    }

    public void Attach(LibvirtDomain domain, string hostdevXml, uint flags)
    {
        EnsureOpen();
        Calls.Count("virDomainAttachDeviceFlags");
        if (Native.DomainAttachDeviceFlags(domain.Handle, hostdevXml, flags) < 0)
        {
            throw Failure($"attach to {domain}");
        }
    }

    /// <summary>Asks for the detach; for a live domain it is done when <see cref="DeviceRemoved"/> says so.</summary>
    public void DetachAlias(LibvirtDomain domain, string alias, uint flags)
    {
        EnsureOpen();
        Calls.Count("virDomainDetachDeviceAlias");
        if (Native.DomainDetachDeviceAlias(domain.Handle, alias, flags) < 0)
        {
            throw Failure($"detach {alias} from {domain}");
        }
    }

    /// <summary>
    /// Writes our element into the domain's &lt;metadata&gt; (replacing what was there under our
    /// namespace; null removes it), where it travels with the domain: a live migration's destination
    /// reads it in the incoming XML.
    /// </summary>
    public void SetMetadata(LibvirtDomain domain, string? element, string key, string uri, uint flags)
    {
        EnsureOpen();
        Calls.Count("virDomainSetMetadata");
        if (Native.DomainSetMetadata(domain.Handle, Native.MetadataElement, element, key, uri, flags) < 0)
        {
            throw Failure($"write the metadata of {domain}");
        }
    }

    private void EnsureOpen()
    {
        if (_closed)
        {
            throw new LibvirtException($"the connection to {Uri} was closed by libvirtd (restarted?); usbpassd reconnects and retries");
        }
    }

    // The UUID and name are kept in libvirt's domain object; the state and persistence are asked of libvirtd.
    private LibvirtDomain Describe(SafeVirDomainHandle handle)
    {
        Calls.Count("virDomainGetState");
        (int state, int reason) = Native.DomainGetState(handle, out int s, out int r, 0) == 0 ? (s, r) : (0, 0);
        Calls.Count("virDomainIsPersistent");
        bool persistent = Native.DomainIsPersistent(handle) == 1;
        return new LibvirtDomain(handle, Native.DomainGetUuidString(handle) ?? "?", Native.DomainGetName(handle) ?? "?", (DomainState)state, persistent) { Reason = reason };
    }

    private static LibvirtException Failure(string operation)
    {
        var (code, message) = Native.TakeLastError();
        return new LibvirtException(operation, code, message);
    }

    public void Dispose()
    {
        _handle.Dispose();
        _events.Dispose(); // after the close: no callback can find us any more
    }
}
