using System.Text.Json;

namespace UsbPassd.Registry;

/// <summary>The JSON written into history <c>detail</c>: snake_case like the protocol.</summary>
internal static class HistoryJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };
}
