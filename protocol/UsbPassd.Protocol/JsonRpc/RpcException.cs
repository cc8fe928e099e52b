using System.Text.Json;

namespace UsbPassd.Protocol.JsonRpc;

/// <summary>A JSON-RPC error as an exception: thrown by handlers, and by the client when the server answers with one.</summary>
public sealed class RpcException : Exception
{
    public RpcException(int code, string message, JsonElement? data = null) : base(message)
    {
        Code = code;
        ErrorData = data;
    }

    public RpcException() : this(ErrorCodes.InternalError, "internal error") { }

    public RpcException(string message) : this(ErrorCodes.InternalError, message) { }

    public RpcException(string message, Exception innerException) : base(message, innerException) => Code = ErrorCodes.InternalError;

    public int Code { get; }

    /// <summary>The error's <c>data</c> member (named so as not to hide Exception.Data).</summary>
    public JsonElement? ErrorData { get; }

    public JsonRpcError ToError() => new() { Code = Code, Message = Message, Data = ErrorData };
}
