namespace UsbPassd.Placement.Wire;

/// <summary>GET /resource_providers/{uuid}/allocations: consumer UUID → what it holds here.</summary>
public sealed record AllocationsDoc
{
    public long ResourceProviderGeneration { get; init; }
    public Dictionary<string, ConsumerResourcesDoc> Allocations { get; init; } = [];
}

public sealed record ConsumerResourcesDoc
{
    public Dictionary<string, int> Resources { get; init; } = [];
}
