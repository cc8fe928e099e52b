using UsbPassd.Devices;

namespace UsbPassd.Registry;

/// <summary>
/// Decides what a scan changes in the registry, without touching it (pure, so every case is a
/// unit test). A present device is matched to a live row
/// <list type="number">
/// <item>by <c>dev_id</c>: the same device; new bus/devnum/port means it was renumbered;</item>
/// <item>else by the exact enumeration (port, bus, devnum): the same device instance whose
/// <c>dev_id</c> changed (a twin appeared and made its serial ambiguous);</item>
/// <item>else it is new, linked to the last deleted row with its <c>dev_id</c> if there is one.</item>
/// </list>
/// Live rows left unmatched are gone: owned ones stay live as <c>missing</c>, others are deleted.
/// </summary>
public static class Reconciliation
{
    public static IReadOnlyList<DeviceChange> Plan(
        IReadOnlyList<DeviceRow> live,
        IReadOnlyList<DiscoveredDevice> present,
        IReadOnlyDictionary<string, long> lastDeletedIdByDevId)
    {
        var byDevId = new Dictionary<string, DeviceRow>(StringComparer.Ordinal);
        var byEnumeration = new Dictionary<(string?, long?, long?), DeviceRow>();
        foreach (DeviceRow row in live)
        {
            if (row.DevId is not null)
            {
                byDevId[row.DevId] = row;
            }

            if (row.Present != 0)
            {
                byEnumeration[(row.PortId, row.BusId, row.DeviceId)] = row;
            }
        }

        var changes = new List<DeviceChange>(present.Count);
        var matched = new HashSet<long>();
        var unmatched = new List<DiscoveredDevice>();
        foreach (DiscoveredDevice d in present)
        {
            if (byDevId.TryGetValue(d.DevId, out DeviceRow? row))
            {
                matched.Add(row.Id);
                changes.Add(SameEnumeration(row, d)
                    ? new DeviceChange.Refreshed(row, d, StatusFor(d, row, sameInstance: true))
                    : new DeviceChange.Replaced(row, d, HistoryKind.Renumbered, StatusFor(d, row, sameInstance: false)));
            }
            else
            {
                unmatched.Add(d);
            }
        }

        foreach (DiscoveredDevice d in unmatched)
        {
            if (byEnumeration.TryGetValue((d.Device.PortId, d.Device.Bus, d.Device.DeviceNumber), out DeviceRow? row) && matched.Add(row.Id))
            {
                changes.Add(new DeviceChange.Replaced(row, d, HistoryKind.Reidentified, StatusFor(d, row, sameInstance: true)));
            }
            else
            {
                long? previous = lastDeletedIdByDevId.TryGetValue(d.DevId, out long id) ? id : null;
                changes.Add(new DeviceChange.Added(d, previous, StatusFor(d, null, sameInstance: false)));
            }
        }

        foreach (DeviceRow row in live)
        {
            if (!matched.Contains(row.Id) && (row.Present != 0 || !row.IsOwned))
            {
                changes.Add(new DeviceChange.Gone(row));
            }
        }

        return changes;
    }

    /// <summary>The status a device gets when it is not owned: blocked, ambiguous or available.</summary>
    public static string BaseStatus(DiscoveredDevice d) =>
        !d.Eligible ? DeviceStatus.Blocked
        : d.Ambiguous ? DeviceStatus.Ambiguous
        : DeviceStatus.Available;

    private static bool SameEnumeration(DeviceRow row, DiscoveredDevice d) =>
        row.Present != 0 && row.BusId == d.Device.Bus && row.DeviceId == d.Device.DeviceNumber && row.PortId == d.Device.PortId;

    // Ownership outlives a replug, but a replugged device is no longer in the VM: the instance keeps
    // it as reserved until the assignment stage attaches it again.
    private static string StatusFor(DiscoveredDevice d, DeviceRow? row, bool sameInstance) =>
        row is { IsOwned: true }
            ? (sameInstance && row.Status != DeviceStatus.Missing ? row.Status : DeviceStatus.Reserved)
            : BaseStatus(d);
}
