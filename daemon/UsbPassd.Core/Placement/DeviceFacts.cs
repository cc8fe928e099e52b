using System.Text.Json;
using System.Text.Json.Serialization;

namespace UsbPassd.Placement;

/// <summary>
/// The few facts of a registry row's <c>extra_info</c> the sync needs (hub, interface classes, the
/// deciding policy rule), read with our own small shape so the sync does not depend on the wire types.
/// </summary>
public sealed record DeviceFacts
{
    public static readonly DeviceFacts None = new();

    [JsonPropertyName("is_hub")] public bool IsHub { get; init; }
    [JsonPropertyName("device_class")] public string? DeviceClass { get; init; }
    [JsonPropertyName("interfaces")] public IReadOnlyList<InterfaceFacts> Interfaces { get; init; } = [];
    [JsonPropertyName("policy_rule")] public string? PolicyRule { get; init; }

    public sealed record InterfaceFacts
    {
        [JsonPropertyName("class")] public string? Class { get; init; }
    }

    /// <summary>The facts of <paramref name="extraInfo"/>; <see cref="None"/> for a seed-era row without them.</summary>
    public static DeviceFacts Parse(string? extraInfo)
    {
        if (string.IsNullOrEmpty(extraInfo))
        {
            return None;
        }

        try
        {
            return JsonSerializer.Deserialize(extraInfo, PlacementJson.Default.DeviceFacts) ?? None;
        }
        catch (JsonException)
        {
            return None;
        }
    }
}
