namespace UsbPassd.Placement.Wire;

/// <summary>GET /allocations/{consumer}: provider UUID → what the consumer holds there (empty when it holds nothing).</summary>
public sealed record ConsumerAllocationsDoc
{
    public Dictionary<Guid, ConsumerResourcesDoc> Allocations { get; init; } = [];
}
