namespace UsbPassd.Placement.Wire;

/// <summary>GET /allocations/{consumer}: provider UUID → what the consumer holds there (empty when none).</summary>
public sealed record FleetConsumerDoc
{
    public Dictionary<Guid, ConsumerResourcesDoc> Allocations { get; init; } = [];
    public long? ConsumerGeneration { get; init; }
}
