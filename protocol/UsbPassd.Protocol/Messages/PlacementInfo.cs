namespace UsbPassd.Protocol.Messages;

/// <summary><c>host.info</c>'s <c>placement</c>: the OpenStack Placement sync's state (null when it is not configured).</summary>
public sealed record PlacementInfo
{
    /// <summary><c>connected</c> (the last request got through) or <c>disconnected</c>.</summary>
    public required string State { get; init; }

    /// <summary>The endpoint, or <c>cloud:NAME</c> for Keystone credentials.</summary>
    public string? Endpoint { get; init; }
    public string? RootProvider { get; init; }
    public string? RootProviderUuid { get; init; }
    public required int Providers { get; init; }

    /// <summary>Device changes not yet in Placement.</summary>
    public required int Pending { get; init; }
    public required long Requests { get; init; }

    /// <summary>Why not connected, or why a device is not synced; null when all is well.</summary>
    public string? Problem { get; init; }
    public string? LastSyncAt { get; init; }

    /// <summary>Device providers of this host that a consumer (an instance) holds an allocation on.</summary>
    public int Allocated { get; init; }

    /// <summary>Allocations not followed because another instance holds the device here (the ledger wins; see problem).</summary>
    public int Conflicts { get; init; }
}
