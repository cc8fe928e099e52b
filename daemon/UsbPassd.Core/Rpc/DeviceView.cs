using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;
using UsbPassd.Registry;

namespace UsbPassd.Rpc;

/// <summary>
/// The RPC read model behind devices.list and devices.get: the live rows of the registry, each with
/// its record already serialized, swapped whole after every commit. It loads the live rows once,
/// then follows the registry's feed: each commit's rows come with the change, so only they are
/// serialized again, and the registry is not read. Reads never touch SQLite and never serialize;
/// a list is a concatenation of ready bytes.
/// </summary>
public sealed class DeviceView : IDisposable
{
    private readonly IDisposable _subscription;
    private Snapshot _current = Snapshot.Empty;

    public DeviceView(DeviceRepository registry)
    {
        // Loaded and subscribed with no commit published in between: none is missed or seen twice.
        _subscription = registry.Changes.Quiet(() =>
        {
            Swap([.. registry.ListLive().Select(Serialize)]);
            return registry.Changes.Subscribe(Apply);
        });
    }

    public sealed record Entry(DeviceRecord Record, byte[] Json);

    private sealed record Snapshot(
        IReadOnlyList<Entry> All,
        IReadOnlyDictionary<long, Entry> ById,
        IReadOnlyDictionary<string, Entry[]> ByDevId,
        IReadOnlyDictionary<string, Entry[]> ByPortId,
        IReadOnlyDictionary<string, Entry[]> ByAddress,
        byte[] AllJson)
    {
        public static Snapshot Empty { get; } = new([], new Dictionary<long, Entry>(), new Dictionary<string, Entry[]>(), new Dictionary<string, Entry[]>(), new Dictionary<string, Entry[]>(), "[]"u8.ToArray());
    }

    public int Count => Volatile.Read(ref _current).All.Count;

    /// <summary>Takes in one commit's rows (called by the feed, in commit order): deleted rows leave, others are put in or replaced.</summary>
    private void Apply(RegistryChange change)
    {
        var byId = new Dictionary<long, Entry>(Volatile.Read(ref _current).ById);
        foreach (RowChange c in change.Rows)
        {
            if (c.Row is not DeviceRow row)
            {
                continue; // every writer sends its rows
            }

            if (row.Deleted != 0 || row.ComputeNodeId != RegistryDatabase.LocalComputeNodeId)
            {
                byId.Remove(row.Id);
            }
            else
            {
                byId[row.Id] = Serialize(row);
            }
        }

        Swap([.. byId.Values.OrderBy(e => e.Record.Id)]);
    }

    public void Dispose() => _subscription.Dispose();

    private static Entry Serialize(DeviceRow row)
    {
        DeviceRecord record = row.ToRecord();
        return new Entry(record, JsonSerializer.SerializeToUtf8Bytes(record, ProtocolJson.Default.DeviceRecord));
    }

    private void Swap(List<Entry> entries) =>
        Volatile.Write(ref _current, new Snapshot(
            entries,
            entries.ToDictionary(e => e.Record.Id),
            Index(entries, e => e.Record.DevId),
            Index(entries, e => e.Record.PortId),
            Index(entries, e => e.Record.Address),
            ToJsonArray(entries)));

    /// <summary>
    /// devices.list's result: without filters the array made once per commit (the common call, and
    /// the one a flooding client repeats), else the matching entries joined.
    /// </summary>
    public byte[] ListJson(DevicesListParams p) =>
        p is { Status: null, VendorId: null, ProductId: null, Serial: null, InstanceUuid: null }
            ? Volatile.Read(ref _current).AllJson
            : ToJsonArray(List(p));

    /// <summary>Live devices matching every filter given.</summary>
    public IEnumerable<Entry> List(DevicesListParams p) =>
        Volatile.Read(ref _current).All.Where(e =>
            (p.Status is null || e.Record.Status == p.Status)
            && (p.VendorId is null || string.Equals(e.Record.VendorId, p.VendorId, StringComparison.OrdinalIgnoreCase))
            && (p.ProductId is null || string.Equals(e.Record.ProductId, p.ProductId, StringComparison.OrdinalIgnoreCase))
            && (p.Serial is null || e.Record.Serial == p.Serial)
            && (p.InstanceUuid is null || e.Record.InstanceUuid == p.InstanceUuid));

    /// <summary>Live devices by one selector (a registry id also finds nothing when the row is deleted: ask the registry).</summary>
    public IReadOnlyList<Entry> Find(long? id, string? devId, string? portId, string? address)
    {
        Snapshot s = Volatile.Read(ref _current);
        return id is long i ? (s.ById.TryGetValue(i, out Entry? e) ? [e] : [])
            : devId is not null ? s.ByDevId.GetValueOrDefault(devId, [])
            : portId is not null ? s.ByPortId.GetValueOrDefault(portId, [])
            : address is not null ? s.ByAddress.GetValueOrDefault(address, [])
            : [];
    }

    /// <summary>A JSON array of the entries' ready bytes (one allocation of the exact size).</summary>
    public static byte[] ToJsonArray(IEnumerable<Entry> entries)
    {
        List<Entry> list = [.. entries];
        byte[] array = new byte[2 + list.Sum(e => e.Json.Length) + Math.Max(0, list.Count - 1)];
        array[0] = (byte)'[';
        int at = 1;
        for (int i = 0; i < list.Count; i++)
        {
            if (i > 0)
            {
                array[at++] = (byte)',';
            }

            list[i].Json.CopyTo(array, at);
            at += list[i].Json.Length;
        }

        array[at] = (byte)']';
        return array;
    }

    private static Dictionary<string, Entry[]> Index(List<Entry> entries, Func<Entry, string?> key) =>
        entries.Where(e => key(e) is not null).GroupBy(e => key(e)!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
}
