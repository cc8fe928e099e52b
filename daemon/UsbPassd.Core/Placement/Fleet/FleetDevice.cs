namespace UsbPassd.Placement.Fleet;

/// <summary>One USB device provider of the fleet, as Placement holds it.</summary>
/// <param name="Host">The root provider's name (the host; Nova's compute node); null when its root could not be named.</param>
/// <param name="Reserved">The inventory's <c>reserved</c>: 1 when the host's usbpassd made it unavailable.</param>
/// <param name="Consumers">Who holds an allocation on it (instance UUIDs under Nova).</param>
public sealed record FleetDevice(
    string? Host,
    Guid HostUuid,
    Guid Provider,
    string Name,
    string? ResourceClass,
    IReadOnlyList<string> Traits,
    int Reserved,
    IReadOnlyList<Guid> Consumers)
{
    /// <summary><c>free</c>, <c>unavailable</c> (reserved by its host: unplugged, attached outside, blocked…), or <c>in use</c>.</summary>
    public string State => Consumers.Count > 0 ? "in use" : Reserved > 0 ? "unavailable" : "free";

    public string? VidPid => ProviderName.VidPid(ResourceClass);

    public string? SerialTrait => Traits.FirstOrDefault(t => t.StartsWith(PlacementNames.SerialPrefix, StringComparison.Ordinal));

    public IEnumerable<string> LabelTraits => Traits.Where(t => t.StartsWith(PlacementNames.LabelPrefix, StringComparison.Ordinal));
}
