namespace UsbPassd.Placement.Wire;

/// <summary>GET and PUT /resource_providers/{uuid}/inventories.</summary>
public sealed record InventoriesDoc
{
    public long ResourceProviderGeneration { get; init; }
    public Dictionary<string, InventoryDoc> Inventories { get; init; } = [];
}

public sealed record InventoryDoc
{
    public int Total { get; init; }
    public int Reserved { get; init; }
    public int MinUnit { get; init; } = 1;
    public int MaxUnit { get; init; } = 1;
    public int StepSize { get; init; } = 1;
    public double AllocationRatio { get; init; } = 1.0;
}
