namespace UsbPassd.Rpc;

/// <summary>What a method handler knows about its call.</summary>
public sealed class RpcCallContext(PeerIdentity peer, RpcConnection? connection)
{
    public PeerIdentity Peer { get; } = peer;

    /// <summary>The caller's connection (for subscriptions); null when called outside a connection (tests).</summary>
    public RpcConnection? Connection { get; } = connection;
}
