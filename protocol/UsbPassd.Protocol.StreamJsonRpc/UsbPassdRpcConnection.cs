namespace UsbPassd.Protocol.StreamJsonRpc;

/// <summary>One StreamJsonRpc connection to usbpassd: the typed proxy, and the <see cref="UsbPassdJsonRpc"/> under it (untyped calls, Disconnected, ErrorWithoutId).</summary>
public sealed class UsbPassdRpcConnection(UsbPassdJsonRpc rpc, IUsbPassd proxy) : IDisposable
{
    public IUsbPassd Proxy { get; } = proxy;

    public UsbPassdJsonRpc Rpc { get; } = rpc;

    /// <summary>Closes the connection (the socket with it).</summary>
    public void Dispose() => Rpc.Dispose();
}
