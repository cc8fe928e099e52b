using System.Text.Json;
using StreamJsonRpc;
using RpcException = UsbPassd.Protocol.JsonRpc.RpcException;

namespace UsbPassd.Protocol.StreamJsonRpc;

/// <summary>
/// StreamJsonRpc's <see cref="JsonRpc"/> as usbpassd's client needs it: an error's <c>data</c> is kept as
/// the JSON it is (a <see cref="JsonElement"/> in <see cref="RemoteInvocationException.DeserializedErrorData"/>,
/// not StreamJsonRpc's own <c>CommonErrorData</c>), and an error the daemon sends with <c>"id": null</c>
/// is kept in <see cref="ErrorWithoutId"/>. The daemon answers so what it could not tie to a request: a
/// line past its 1 MiB limit or one it could not read (1003, -32700, -32600), a connection over its
/// limit (1003). StreamJsonRpc takes such a message as a protocol
/// violation and ends the connection (pending calls throw <see cref="ConnectionLostException"/>); this
/// says why.
/// </summary>
public class UsbPassdJsonRpc(IJsonRpcMessageHandler messageHandler) : global::StreamJsonRpc.JsonRpc(messageHandler)
{
    private RpcException? _errorWithoutId;

    /// <summary>The last error the daemon sent with a null id (then StreamJsonRpc disconnects), or null.</summary>
    public RpcException? ErrorWithoutId => Volatile.Read(ref _errorWithoutId);

    protected override Type? GetErrorDetailsDataType(global::StreamJsonRpc.Protocol.JsonRpcError error) => typeof(JsonElement);

    protected override void OnResponseReceived(global::StreamJsonRpc.Protocol.JsonRpcMessage response)
    {
        if (response is global::StreamJsonRpc.Protocol.JsonRpcError { RequestId.IsNull: true, Error: { } error })
        {
            // Read now: the message's buffer is reused once this returns.
            Volatile.Write(ref _errorWithoutId, new RpcException((int)error.Code, error.Message ?? "", error.GetData<JsonElement?>()));
        }

        base.OnResponseReceived(response);
    }
}
