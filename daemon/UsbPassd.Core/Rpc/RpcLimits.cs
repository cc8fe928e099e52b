namespace UsbPassd.Rpc;

/// <summary>Limits on what a client can make the daemon hold (systemd CODING_STYLE: limit every user-controlled resource).</summary>
public sealed record RpcLimits
{
    /// <summary>A request line longer than this is refused (and skipped without being buffered).</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    public int MaxConnections { get; init; } = 64;

    public int MaxInFlightPerConnection { get; init; } = 32;

    /// <summary>Replies and notifications queued for a client that does not read; past this it is disconnected.</summary>
    public int MaxQueuedPerConnection { get; init; } = 1024;
}
