namespace UsbPassd.Protocol.Messages;

/// <summary><c>host.info</c>: who and what this daemon is, and how its devices stand.</summary>
public sealed record HostInfo
{
    public required string Hostname { get; init; }
    public required string Version { get; init; }
    public required int Pid { get; init; }
    public required string StartedAt { get; init; }

    /// <summary><c>disabled</c> (--libvirt-uri none), <c>connected</c> or <c>disconnected</c>.</summary>
    public required string Libvirt { get; init; }
    public required string Uevents { get; init; }
    public required IReadOnlyDictionary<string, int> DevicesByStatus { get; init; }
    public required long UeventsProcessed { get; init; }
    public required long UeventsRejected { get; init; }

    /// <summary>The Placement sync (docs/placement.md); null when not configured.</summary>
    public PlacementInfo? Placement { get; init; }
}

/// <summary><c>metrics.get</c>: the Prometheus text exposition (version 0.0.4).</summary>
public sealed record MetricsResult
{
    public required string Text { get; init; }
}
