namespace UsbPassd.Placement.Wire;

/// <summary>A resource provider as Placement returns it (GET /resource_providers, POST's answer).</summary>
public sealed record ProviderDoc
{
    public Guid Uuid { get; init; }
    public string Name { get; init; } = "";
    public long Generation { get; init; }
    public Guid? ParentProviderUuid { get; init; }
    public Guid? RootProviderUuid { get; init; }
}

public sealed record ProviderListDoc
{
    public IReadOnlyList<ProviderDoc> ResourceProviders { get; init; } = [];
}

/// <summary>POST /resource_providers.</summary>
public sealed record NewProviderDoc(string Name, Guid Uuid, Guid? ParentProviderUuid);
