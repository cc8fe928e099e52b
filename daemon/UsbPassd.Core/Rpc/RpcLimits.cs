namespace UsbPassd.Rpc;

/// <summary>
/// Limits on what a client can make the daemon hold (systemd CODING_STYLE: limit every user-controlled
/// resource). Memory is bounded in bytes, not messages: what one unprivileged uid can make the daemon
/// hold is about <see cref="MaxConnectionsPerUid"/> × (a line + <see cref="MaxRequestBytesPerConnection"/>
/// + 2 × <see cref="MaxQueuedBytesPerConnection"/>), 8 × 7 MiB with the defaults. Root and the admin
/// group have a pool of their own, so a read-only member can never keep the libvirt hook out.
/// </summary>
public sealed record RpcLimits
{
    /// <summary>A request line longer than this is refused (and skipped without being buffered).</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    /// <summary>Connections of callers that are neither root nor in the admin group, all uids together.</summary>
    public int MaxConnections { get; init; } = 32;

    /// <summary>Connections of one unprivileged uid.</summary>
    public int MaxConnectionsPerUid { get; init; } = 8;

    /// <summary>Connections of root and the admin group (the hook, nova-compute, operators): a pool of their own.</summary>
    public int MaxPrivilegedConnections { get; init; } = 64;

    /// <summary>Requests served at once on one connection; past it the daemon stops reading (backpressure, no error).</summary>
    public int MaxInFlightPerConnection { get; init; } = 32;

    /// <summary>Bytes of the requests served at once on one connection (one request may always run alone).</summary>
    public int MaxRequestBytesPerConnection { get; init; } = 2 * 1024 * 1024;

    /// <summary>Members of one batch (StreamJsonRpc sends none; a script needs a few).</summary>
    public int MaxBatchRequests { get; init; } = 128;

    /// <summary>
    /// Replies and notifications queued for a client, in bytes (one larger reply may go alone). A reply
    /// waits for room; a notification that finds none means the client does not read: it is disconnected.
    /// A batch's joined reply is bounded by the same figure.
    /// </summary>
    public int MaxQueuedBytesPerConnection { get; init; } = 2 * 1024 * 1024;

    /// <summary>An unprivileged connection with nothing in flight, nothing queued and no subscription is closed after this.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a connection looks whether its client hung up or idles.</summary>
    public TimeSpan WatchPeriod { get; init; } = TimeSpan.FromMilliseconds(200);
}
