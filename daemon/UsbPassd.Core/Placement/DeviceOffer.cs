using System.Collections.Immutable;

namespace UsbPassd.Placement;

/// <summary>
/// What Placement should say of one device: its provider, its class, its traits and whether it can
/// be given (<see cref="Offered"/>). A device that is not offered keeps a provider it already has, made
/// unavailable (<c>reserved</c> = total), and gets none when it has none.
/// </summary>
/// <param name="LocalOwner">The instance that holds it here (reserved, attached, missing while owned); null when free.</param>
public sealed record DeviceOffer(
    string DevId,
    Guid Uuid,
    string Name,
    string ResourceClass,
    ImmutableSortedSet<string> Traits,
    bool Offered,
    string? LocalOwner)
{
    /// <summary>The inventory's <c>reserved</c> when no Placement consumer accounts for <see cref="LocalOwner"/>: 0 only when free to give.</summary>
    public int Reserved => Offered && LocalOwner is null ? 0 : 1;

    public bool SameTraits(ImmutableSortedSet<string>? other) => other is not null && Traits.SetEquals(other);
}
