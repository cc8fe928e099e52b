using System.Globalization;
using System.Text.Json;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>One ownership entry of the registry's history (history.list), in commit order by <see cref="Id"/>.</summary>
internal sealed record RaceHistoryEntry(long Id, DateTime At, string DevId, string Kind, string? Instance, long? Token, string? PreviousOwner)
{
    public static RaceHistoryEntry From(JsonElement e)
    {
        JsonElement detail = e.GetProperty("detail");
        bool isObject = detail.ValueKind == JsonValueKind.Object;
        return new(
            e.GetProperty("id").GetInt64(),
            DateTime.Parse(e.GetProperty("at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
            e.GetProperty("dev_id").GetString() ?? "",
            e.GetProperty("kind").GetString()!,
            e.GetProperty("instance_uuid").GetString(),
            isObject && detail.TryGetProperty("token", out JsonElement t) && t.ValueKind == JsonValueKind.Number ? t.GetInt64() : null,
            isObject && detail.TryGetProperty("previous_owner", out JsonElement p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null);
    }

    /// <summary>A claim (claim_reserved, claim_attaching, ...): the device changes hands or is renewed, with a new token.</summary>
    public bool IsClaim => Kind.StartsWith("claim_", StringComparison.Ordinal);

    public bool IsRelease => Kind == "released";

    /// <summary>A claim's state moving (attaching → attached, ...): only its owner's claim can.</summary>
    public bool IsState => Kind is "reserved" or "attaching" or "attached" or "detaching" or "external";
}
