using System.Text.Json.Serialization;

namespace UsbPassd.Placement;

/// <summary>
/// <c>usbpassd.json</c>'s <c>"placement"</c> section: where Placement is and how to authenticate
/// (<c>endpoint</c> + <c>token</c> for noauth2, or <c>cloud</c>: a clouds.yaml entry with Keystone v3
/// password credentials), the root provider's name, and the operator's traits per device.
/// </summary>
public sealed record PlacementOptions
{
    [JsonPropertyName("endpoint")] public string? Endpoint { get; init; }

    /// <summary>A fixed token (noauth2: <c>admin</c>). Never logged.</summary>
    [JsonPropertyName("token")] public string? Token { get; init; }

    /// <summary>A cloud of clouds.yaml (./, ~/.config/openstack/, /etc/openstack/, or $OS_CLIENT_CONFIG_FILE).</summary>
    [JsonPropertyName("cloud")] public string? Cloud { get; init; }

    /// <summary>The provider the devices hang under; by default the host name, which is how Nova names its compute node.</summary>
    [JsonPropertyName("root_provider_name")] public string? RootProviderName { get; init; }

    /// <summary>dev_id → the operator's traits for that device (normalised as Nova does: upper case, CUSTOM_ added).</summary>
    [JsonPropertyName("device_traits")] public Dictionary<string, string[]>? DeviceTraits { get; init; }

    /// <summary>How often the tree is polled for allocations written or deleted by schedulers (one request while nothing moves).</summary>
    [JsonPropertyName("poll_seconds")] public int? PollSeconds { get; init; }

    public TimeSpan Poll => TimeSpan.FromSeconds(PollSeconds ?? 5);

    public string RootName => RootProviderName is { Length: > 0 } name ? name : Environment.MachineName;

    /// <summary>Null when usable, else what is wrong (the daemon refuses to start with it).</summary>
    public string? Problem()
    {
        string? access = (Endpoint is null) == (Cloud is null)
            ? "placement needs either \"endpoint\" (with \"token\") or \"cloud\" (a clouds.yaml entry), not both or neither"
            : Endpoint is null ? null
            : string.IsNullOrEmpty(Token) ? "placement.endpoint needs placement.token (noauth2), or use placement.cloud for Keystone"
            : EndpointRules.Problem("placement.endpoint", Endpoint);
        if (PollSeconds is < 1 or > 3600)
        {
            return "placement.poll_seconds must be between 1 and 3600";
        }

        return access ?? (DeviceTraits?.Values.SelectMany(t => t).FirstOrDefault(t => !PlacementNames.IsValidCustomName(PlacementNames.OperatorTrait(t))) is string bad
            ? $"placement.device_traits: '{bad}' cannot be made a trait"
            : null);
    }

    /// <summary>The operator's traits, normalised.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> OperatorTraits() =>
        (DeviceTraits ?? []).ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)[.. kv.Value.Select(PlacementNames.OperatorTrait).Distinct(StringComparer.Ordinal)], StringComparer.Ordinal);

    public override string ToString() => $"PlacementOptions {{ Endpoint = {Endpoint}, Cloud = {Cloud}, Root = {RootName} }}";
}
