using UsbPassd.Devices;
using UsbPassd.Registry;
using UsbPassd.Uevents;

namespace UsbPassd.Pipeline;

/// <summary>
/// Keeps the registry true to the devices present. It holds the present set in memory (keyed
/// by DEVPATH): add/bind/change read that one device from sysfs, remove drops it using only the
/// event (sysfs is already gone), and each batch ends in one reconciling transaction. A full
/// rescan replaces the set (start-up, lost events). Single-threaded: one consumer calls it.
/// Every commit judges the present devices by the current policy (<paramref name="judge"/>).
/// </summary>
public sealed class DevicePipeline(SysfsScanner scanner, DeviceRepository registry, UsbIds names, Func<IReadOnlyList<UsbDevice>, IReadOnlyList<DeviceJudgement>>? judge = null)
{
    private readonly Dictionary<string, UsbDevice> _present = new(StringComparer.Ordinal);

    public int PresentCount => _present.Count;

    /// <summary>Reads all of sysfs and reconciles; the skipped entries are returned for logging.</summary>
    public (ScanSummary Summary, IReadOnlyList<ScanProblem> Skipped) Resync()
    {
        DeviceScan scan = scanner.Scan();
        _present.Clear();
        foreach (UsbDevice d in scan.Devices)
        {
            _present[d.SysfsPath ?? $"/{d.PortId}"] = d;
        }

        return (Commit(), scan.Skipped);
    }

    /// <summary>Applies a batch of events; returns the summary (null when nothing changed) and events that could not be used.</summary>
    public (ScanSummary? Summary, IReadOnlyList<string> Problems) Apply(IEnumerable<Uevent> batch)
    {
        bool changed = false;
        List<string> problems = [];
        foreach (Uevent e in batch)
        {
            if (!e.IsUsbDevice)
            {
                continue;
            }

            switch (e.Action)
            {
                case "add" or "bind" or "change" or "move":
                    if (scanner.TryReadDevice(e.DevPath, out UsbDevice? device, out string? problem))
                    {
                        _present[e.DevPath] = device;
                        changed = true;
                    }
                    else
                    {
                        // Usually pulled again before we read it; its remove event follows.
                        problems.Add($"{e}: {problem}");
                    }

                    break;

                case "remove":
                    changed |= _present.Remove(e.DevPath);
                    break;
            }
        }

        return (changed ? Commit() : null, problems);
    }

    /// <summary>Commits the present set again without reading sysfs: the policy changed, the devices did not.</summary>
    public ScanSummary Rejudge() => Commit(ChangeCause.Policy);

    private ScanSummary Commit(ChangeCause cause = ChangeCause.Scan) => registry.ApplyScan(Inventory.Build([.. _present.Values], names, judge), cause);
}
