namespace UsbPassd.Protocol;

/// <summary>
/// Error codes: JSON-RPC 2.0's own (−32768..−32000), then usbpassd's application codes, which stay
/// outside that range (1000s). Every error carries a message a person can act on; application
/// errors may carry <c>data</c> with the facts (device, owner...).
/// </summary>
public static class ErrorCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;

    /// <summary>The caller's uid/groups may not call this method (SO_PEERCRED checked per method).</summary>
    public const int PermissionDenied = 1001;

    /// <summary>No device matches the selector given.</summary>
    public const int DeviceNotFound = 1002;

    /// <summary>A limit was hit: message size, connections, or requests in flight on this connection.</summary>
    public const int LimitExceeded = 1003;

    /// <summary>The request was cancelled ($/cancelRequest) before it finished.</summary>
    public const int RequestCancelled = 1004;

    /// <summary>The selector matches more than one device (ambiguous twins: use port_id).</summary>
    public const int DeviceAmbiguous = 1005;

    /// <summary>No libvirt domain with that UUID or name.</summary>
    public const int InstanceNotFound = 1006;

    /// <summary>libvirt refused; the message is libvirt's, prefixed with what was asked.</summary>
    public const int LibvirtFailed = 1007;

    /// <summary>Another instance owns the device (reserved or attached); data names it.</summary>
    public const int DeviceOwned = 1008;

    /// <summary>The device cannot be passed now or ever (a hub, not present, libvirt disabled, a stale token...).</summary>
    public const int NotPossible = 1009;

    /// <summary>hook.qemu refuses a domain start: a mandatory device is unplugged or another instance's.</summary>
    public const int StartRefused = 1010;
}
