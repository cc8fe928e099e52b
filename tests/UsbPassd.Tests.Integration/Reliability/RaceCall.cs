using System.Text.Json;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// One call of the race as the client saw it: what was asked, when (wall clock, the daemon's own
/// clock on this machine, so it compares with the history's times), and the daemon's answer.
/// </summary>
/// <param name="Device">The device the call claims or gives up (for a swap: <c>to</c>).</param>
/// <param name="From">A swap's <c>from</c>; null otherwise.</param>
/// <param name="Instance">The caller's instance UUID (the domain's).</param>
internal sealed record RaceCall(string Method, string Device, string? From, string Instance, DateTime Sent, DateTime Received, JsonElement Answer)
{
    public bool Won => Answer.TryGetProperty("result", out _);

    public int? Code => Answer.TryGetProperty("error", out JsonElement e) ? e.GetProperty("code").GetInt32() : null;

    /// <summary>The claim's fencing token in a successful reserve, attach or swap.</summary>
    public long? Token =>
        Answer.TryGetProperty("result", out JsonElement r) && r.TryGetProperty("token", out JsonElement t) && t.ValueKind == JsonValueKind.Number ? t.GetInt64() : null;

    /// <summary>The owner a 1008 names (<c>data.instance_uuid</c>); null when it names none.</summary>
    public string? ToldOwner =>
        Answer.TryGetProperty("error", out JsonElement e) && e.TryGetProperty("data", out JsonElement d) && d.ValueKind == JsonValueKind.Object
            && d.TryGetProperty("instance_uuid", out JsonElement u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;

    /// <summary>The owner's claim state a 1008 names (<c>data.state</c>).</summary>
    public string? ToldState =>
        Answer.TryGetProperty("error", out JsonElement e) && e.TryGetProperty("data", out JsonElement d) && d.ValueKind == JsonValueKind.Object
            && d.TryGetProperty("state", out JsonElement u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;

    public string Message => Answer.TryGetProperty("error", out JsonElement e) ? e.GetProperty("message").GetString() ?? "" : "";
}
