using System.Text.Json.Serialization;

namespace UsbPassd.Placement.Fleet;

/// <summary>What a placement came to.</summary>
public enum PlacementResult
{
    /// <summary>The allocation is written (or, dry run, would be): <see cref="FleetPlacement.Host"/> holds the device.</summary>
    [JsonStringEnumMemberName("placed")]
    Placed,

    /// <summary>No device matches, or every one that does is in use or unavailable: <see cref="FleetPlacement.Reason"/> says which.</summary>
    [JsonStringEnumMemberName("no_device")]
    NoDevice,

    /// <summary>Every attempt lost its device to another scheduler (a free one may remain): ask again.</summary>
    [JsonStringEnumMemberName("contended")]
    Contended,
}

/// <summary>The reference scheduler's answer for one consumer.</summary>
public sealed record FleetPlacement
{
    public required PlacementResult Result { get; init; }
    public required Guid Consumer { get; init; }
    public string? Host { get; init; }
    public Guid? HostUuid { get; init; }
    public Guid? Provider { get; init; }
    public string? ProviderName { get; init; }
    public string? ResourceClass { get; init; }

    /// <summary>Candidates Placement offered at the last ask.</summary>
    public int Candidates { get; init; }

    public int Attempts { get; init; }

    /// <summary>409s (another scheduler took the device, or a generation moved) that were retried.</summary>
    public int Conflicts { get; init; }

    /// <summary>Requests whose connection Placement refused or dropped, asked again.</summary>
    public int Dropped { get; init; }

    public bool DryRun { get; init; }
    public string? Reason { get; init; }
    public long Requests { get; init; }
}
