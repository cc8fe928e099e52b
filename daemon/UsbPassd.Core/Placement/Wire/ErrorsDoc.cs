namespace UsbPassd.Placement.Wire;

/// <summary>Placement's error body: <c>{"errors":[{"status":409,"code":"placement.concurrent_update","detail":…}]}</c>.</summary>
public sealed record ErrorsDoc
{
    public IReadOnlyList<ErrorDoc> Errors { get; init; } = [];
}

public sealed record ErrorDoc
{
    public int Status { get; init; }
    public string? Title { get; init; }
    public string? Detail { get; init; }
    public string? Code { get; init; }
}
