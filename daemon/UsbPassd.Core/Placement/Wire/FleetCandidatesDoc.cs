namespace UsbPassd.Placement.Wire;

/// <summary>
/// GET /allocation_candidates at 1.39: each request is a set of allocations that satisfies the query
/// (nested providers included from 1.29, <c>mappings</c> from 1.34); the summaries give every provider
/// of the candidates' trees its capacity, usage, traits and root.
/// </summary>
public sealed record FleetCandidatesDoc
{
    public IReadOnlyList<FleetAllocationRequestDoc> AllocationRequests { get; init; } = [];
    public Dictionary<Guid, FleetProviderSummaryDoc> ProviderSummaries { get; init; } = [];
}

public sealed record FleetAllocationRequestDoc
{
    public Dictionary<Guid, ConsumerResourcesDoc> Allocations { get; init; } = [];
}

public sealed record FleetProviderSummaryDoc
{
    public Dictionary<string, FleetCapacityDoc> Resources { get; init; } = [];
    public IReadOnlyList<string> Traits { get; init; } = [];
    public Guid? ParentProviderUuid { get; init; }
    public Guid? RootProviderUuid { get; init; }
}

/// <summary>capacity = (total − reserved) × allocation_ratio.</summary>
public sealed record FleetCapacityDoc
{
    public int Capacity { get; init; }
    public int Used { get; init; }
}
