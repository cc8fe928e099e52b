namespace UsbPassd.Placement;

/// <summary>One of our device providers and the consumers Placement says hold it (lower-case UUIDs, sorted).</summary>
public sealed record Holding(Guid Provider, string DevId, IReadOnlyList<string> Consumers);
