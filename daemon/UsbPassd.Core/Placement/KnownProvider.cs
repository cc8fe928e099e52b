namespace UsbPassd.Placement;

/// <summary>What Placement holds for one of our providers, as last read or written, at <see cref="Generation"/>.</summary>
public sealed record KnownProvider
{
    public long Generation { get; init; }
    public string? ResourceClass { get; init; }

    /// <summary>The inventory's <c>reserved</c>; null when the provider has no inventory of ours.</summary>
    public int? Reserved { get; init; }
    public IReadOnlyList<string>? Traits { get; init; }

    /// <summary>The consumers holding an allocation on it (normally none or one), lower-case UUIDs; null when not read yet.</summary>
    public IReadOnlyList<string>? Consumers { get; init; }
}
