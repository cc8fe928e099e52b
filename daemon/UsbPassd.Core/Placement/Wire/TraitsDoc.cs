namespace UsbPassd.Placement.Wire;

/// <summary>GET and PUT /resource_providers/{uuid}/traits.</summary>
public sealed record TraitsDoc
{
    public long ResourceProviderGeneration { get; init; }
    public IReadOnlyList<string> Traits { get; init; } = [];
}
