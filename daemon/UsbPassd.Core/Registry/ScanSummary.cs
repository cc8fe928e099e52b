namespace UsbPassd.Registry;

/// <summary>How many rows each kind of change touched in one <see cref="DeviceRepository.ApplyScan"/>.</summary>
public sealed class ScanSummary
{
    private readonly SortedDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, int> Counts => _counts;

    public int this[string kind] => _counts.GetValueOrDefault(kind);

    internal void Count(string kind) => _counts[kind] = _counts.GetValueOrDefault(kind) + 1;

    public override string ToString() => string.Join(", ", _counts.Select(kv => $"{kv.Value} {kv.Key}"));
}
