namespace UsbPassd.Placement.Wire;

/// <summary>GET / : the microversions the service speaks.</summary>
public sealed record VersionsDoc
{
    public IReadOnlyList<VersionDoc> Versions { get; init; } = [];
}

public sealed record VersionDoc
{
    public string? Id { get; init; }
    public string? MaxVersion { get; init; }
    public string? MinVersion { get; init; }
}
