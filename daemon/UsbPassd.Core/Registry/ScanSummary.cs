namespace UsbPassd.Registry;

/// <summary>How many rows each kind of change touched in one <see cref="DeviceRepository.ApplyScan"/>.</summary>
public sealed class ScanSummary
{
    private readonly SortedDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly List<RowChange> _changes = [];

    public IReadOnlyDictionary<string, int> Counts => _counts;

    public int this[string kind] => _counts.GetValueOrDefault(kind);

    /// <summary>Each row this commit added, removed or changed, in order: what subscribers are told.</summary>
    public IReadOnlyList<RowChange> Changes => _changes;

    internal void Count(string kind) => _counts[kind] = _counts.GetValueOrDefault(kind) + 1;

    internal void Change(RowChangeKind kind, DeviceRow row, long? replacesId = null) => _changes.Add(new RowChange(kind, row.Id, replacesId, row));

    public override string ToString() => string.Join(", ", _counts.Select(kv => $"{kv.Value} {kv.Key}"));
}

public enum RowChangeKind
{
    Added,
    Removed,
    Changed,
}

/// <summary>
/// One row's change in a commit; <paramref name="ReplacesId"/> is the row a new one takes over from;
/// <paramref name="Row"/> the row as the commit left it (a removed row with <c>deleted</c> set).
/// </summary>
public sealed record RowChange(RowChangeKind Kind, long RowId, long? ReplacesId, DeviceRow? Row = null);
