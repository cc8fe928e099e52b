using System.Text.Json.Serialization;

namespace UsbPassd.Placement.Wire;

/// <summary>
/// PUT /allocations/{consumer} at 1.38+: <c>consumer_generation</c> null for a new consumer (written,
/// not left out: Placement requires the key) and <c>consumer_type</c> required.
/// </summary>
public sealed record FleetAllocationsDoc
{
    public Dictionary<Guid, ConsumerResourcesDoc> Allocations { get; init; } = [];
    public required string ProjectId { get; init; }
    public required string UserId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public long? ConsumerGeneration { get; init; }

    public string ConsumerType { get; init; } = "INSTANCE";
}
