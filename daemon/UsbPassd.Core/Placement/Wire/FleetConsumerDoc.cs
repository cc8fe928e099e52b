namespace UsbPassd.Placement.Wire;

/// <summary>
/// GET /allocations/{consumer}: provider UUID → what the consumer holds there (empty when none), and
/// at 1.38+ who it belongs to and its type (absent for a consumer Placement does not know).
/// </summary>
public sealed record FleetConsumerDoc
{
    public Dictionary<Guid, ConsumerResourcesDoc> Allocations { get; init; } = [];
    public long? ConsumerGeneration { get; init; }
    public string? ProjectId { get; init; }
    public string? UserId { get; init; }
    public string? ConsumerType { get; init; }
}
