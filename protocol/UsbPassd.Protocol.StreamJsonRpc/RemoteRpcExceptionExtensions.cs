using System.Text.Json;
using StreamJsonRpc;
using UsbPassd.Protocol.JsonRpc;

namespace UsbPassd.Protocol.StreamJsonRpc;

/// <summary>usbpassd's error as the protocol's <see cref="RpcException"/>: the code, the message a person can act on, and <c>data</c>.</summary>
public static class RemoteRpcExceptionExtensions
{
    /// <summary>
    /// The error's code and message, and its <c>data</c> as JSON (null when the daemon sent none; 1008
    /// sends <c>instance_uuid</c>, <c>state</c>, <c>since</c>). StreamJsonRpc throws a
    /// <see cref="RemoteInvocationException"/>, or a <see cref="RemoteMethodNotFoundException"/> for
    /// -32601 and -32602 alike: both are <see cref="RemoteRpcException"/>s. Needs a connection made by
    /// <see cref="UsbPassdRpc.AttachAsync"/> (a <see cref="UsbPassdJsonRpc"/>), which keeps <c>data</c> as JSON.
    /// </summary>
    public static RpcException ToRpcException(this RemoteRpcException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new RpcException((int?)e.ErrorCode ?? ErrorCodes.InternalError, e.Message, e.DeserializedErrorData as JsonElement?);
    }
}
