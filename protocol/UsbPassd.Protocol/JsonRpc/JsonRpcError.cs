using System.Text.Json;

namespace UsbPassd.Protocol.JsonRpc;

/// <summary>The <c>error</c> member of a response.</summary>
public sealed record JsonRpcError
{
    public required int Code { get; init; }
    public required string Message { get; init; }
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Data { get; init; }
}
