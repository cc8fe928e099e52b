using System.Xml.Linq;
using UsbPassd.Protocol;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>A hot device as the registry names it: its port (what the clients say), dev_id (the history's key), bus and device (the hostdev's).</summary>
internal sealed record RaceDevice(string PortId, string DevId, int Bus, int Number);

/// <summary>
/// The race's checks, each from a different witness: the daemon's answers, the registry's history
/// (commit order), and at the end the ledger against every domain's XML. Pure: all inputs gathered first.
/// </summary>
internal static class RaceChecks
{
    // History times are milliseconds, truncated: a change stamped T happened in [T, T + 1 ms).
    private static readonly TimeSpan Stamp = TimeSpan.FromMilliseconds(1);

    public static void FromHistory(RaceVerdict v, IReadOnlyList<RaceHistoryEntry> history, IReadOnlyList<RaceCall> calls, IReadOnlyDictionary<string, RaceDevice> byPort)
    {
        var owner = new Dictionary<string, string?>(StringComparer.Ordinal);
        var lastToken = new Dictionary<string, long>(StringComparer.Ordinal);
        long lastGlobal = 0;
        var claims = new Dictionary<long, RaceHistoryEntry>();
        foreach (RaceHistoryEntry e in history.OrderBy(h => h.Id))
        {
            string? was = owner.GetValueOrDefault(e.DevId);
            if (e.IsClaim)
            {
                if (was is not null && was != e.Instance)
                {
                    v.DoubleAssignments.Add($"history {e.Id}: {e.DevId} claimed by {e.Instance} ({e.Kind}, token {e.Token}) while {was} held it");
                }

                if (e.PreviousOwner != was)
                {
                    v.DoubleAssignments.Add($"history {e.Id}: {e.DevId} claimed by {e.Instance}; the ledger saw the previous owner as {e.PreviousOwner ?? "nobody"}, the history says {was ?? "nobody"}");
                }

                long token = e.Token ?? 0;
                if (token <= lastToken.GetValueOrDefault(e.DevId))
                {
                    v.TokenViolations.Add($"history {e.Id}: {e.DevId} token {token} after {lastToken[e.DevId]} on the same device");
                }

                if (token <= lastGlobal)
                {
                    v.TokenViolations.Add($"history {e.Id}: token {token} committed after token {lastGlobal} (the fencing counter is one for all devices)");
                }

                if (!claims.TryAdd(token, e))
                {
                    v.TokenViolations.Add($"history {e.Id}: token {token} given twice");
                }

                lastToken[e.DevId] = token;
                lastGlobal = Math.Max(lastGlobal, token);
                owner[e.DevId] = e.Instance;
            }
            else if (e.IsRelease)
            {
                if (was != e.Instance)
                {
                    v.DoubleAssignments.Add($"history {e.Id}: {e.DevId} released by {e.Instance} while {was ?? "nobody"} held it");
                }

                owner[e.DevId] = null;
            }
            else if (e.IsState && was != e.Instance)
            {
                v.DoubleAssignments.Add($"history {e.Id}: {e.DevId} moved to {e.Kind} for {e.Instance} while {was ?? "nobody"} held it");
            }
        }

        // Every token an answer carried is a claim in the history, of that device, by that instance.
        foreach (RaceCall c in calls.Where(c => c.Token is not null))
        {
            string devId = byPort[c.Device].DevId;
            if (!claims.TryGetValue(c.Token!.Value, out RaceHistoryEntry? claim) || claim.DevId != devId || claim.Instance != c.Instance)
            {
                v.TokenViolations.Add($"{c.Method} of {c.Device} for {c.Instance} answered token {c.Token}, which the history has {(claim is null ? "nowhere" : $"for {claim.DevId} by {claim.Instance}")}");
            }
        }

        foreach (var twice in calls.Where(c => c.Token is not null).GroupBy(c => c.Token).Where(g => g.Count() > 1))
        {
            v.TokenViolations.Add($"token {twice.Key} answered {twice.Count()} times");
        }

        LosersToldOwner(v, history, calls, byPort);
    }

    /// <summary>
    /// Every 1008 names an owner, not the caller, that held the device at some instant while the
    /// call was in flight (by the history's times, the daemon's clock, which is this machine's).
    /// </summary>
    private static void LosersToldOwner(RaceVerdict v, IReadOnlyList<RaceHistoryEntry> history, IReadOnlyList<RaceCall> calls, IReadOnlyDictionary<string, RaceDevice> byPort)
    {
        Dictionary<string, List<(DateTime At, string? Owner)>> timeline = [];
        foreach (RaceHistoryEntry e in history.Where(e => e.IsClaim || e.IsRelease).OrderBy(e => e.Id))
        {
            if (!timeline.TryGetValue(e.DevId, out var changes))
            {
                timeline[e.DevId] = changes = [];
            }

            changes.Add((e.At, e.IsClaim ? e.Instance : null));
        }

        foreach (RaceCall c in calls.Where(c => c.Code == ErrorCodes.DeviceOwned))
        {
            string? told = c.ToldOwner;
            if (told is null || told == c.Instance)
            {
                v.LoserNotToldOwner.Add($"{c.Method} of {c.Device} for {c.Instance} got 1008 naming {told ?? "no owner"}: {c.Message}");
                continue;
            }

            var changes = timeline.GetValueOrDefault(byPort[c.Device].DevId) ?? [];
            DateTime from = c.Sent - Stamp, to = c.Received + Stamp;
            string? before = changes.LastOrDefault(x => x.At < from).Owner;
            bool held = before == told || changes.Any(x => x.At >= from && x.At <= to && x.Owner == told);
            if (!held)
            {
                v.LoserNotToldOwner.Add($"{c.Method} of {c.Device} for {c.Instance} at {c.Sent:HH:mm:ss.fff}-{c.Received:HH:mm:ss.fff} was told {told} owns it; the history has it with {before ?? "nobody"} then {string.Join(", ", changes.Where(x => x.At >= from && x.At <= to).Select(x => x.Owner ?? "nobody"))}");
            }
        }
    }

    /// <summary>
    /// From the answers alone: an instance surely holds a device from the reply of its winning call until
    /// the sending of the first call of its that gave it up and may have run after the win (its reply came
    /// after the win was sent). Two instances' sure spans on one device must never overlap.
    /// </summary>
    public static void FromAnswers(RaceVerdict v, IReadOnlyList<RaceCall> calls)
    {
        var spans = new List<(string Device, string Instance, DateTime From, DateTime To)>();
        foreach (var held in calls.SelectMany(Touches).GroupBy(t => (t.Device, t.Call.Instance)))
        {
            RaceCall[] gives = [.. held.Where(t => t.Gives).Select(t => t.Call)];
            foreach (RaceCall win in held.Where(t => !t.Gives).Select(t => t.Call))
            {
                DateTime end = gives.Where(g => g.Received > win.Sent).Select(g => g.Sent).DefaultIfEmpty(DateTime.MaxValue).Min();
                if (end > win.Received)
                {
                    spans.Add((held.Key.Device, held.Key.Instance, win.Received, end));
                }
            }
        }

        foreach (var device in spans.GroupBy(s => s.Device))
        {
            var ordered = device.OrderBy(s => s.From).ToList();
            for (int i = 0; i < ordered.Count; i++)
            {
                for (int j = i + 1; j < ordered.Count && ordered[j].From < ordered[i].To; j++)
                {
                    if (ordered[j].Instance != ordered[i].Instance)
                    {
                        v.DoubleAssignments.Add($"answers: {device.Key} surely held by {ordered[i].Instance} from {ordered[i].From:HH:mm:ss.fff} and by {ordered[j].Instance} from {ordered[j].From:HH:mm:ss.fff} before the first gave it up");
                    }
                }
            }
        }
    }

    // A winning call's effect on devices: takes one (reserve, attach, swap's to), gives one up (release, detach, swap's from).
    private static IEnumerable<(string Device, RaceCall Call, bool Gives)> Touches(RaceCall c)
    {
        if (!c.Won)
        {
            yield break;
        }

        switch (c.Method)
        {
            case Methods.DevicesReserve or Methods.DevicesAttach:
                yield return (c.Device, c, false);
                break;
            case Methods.DevicesSwap:
                yield return (c.Device, c, false);
                yield return (c.From!, c, true);
                break;
            default:
                yield return (c.Device, c, true);
                break;
        }
    }

    /// <summary>
    /// At the end: no device in two domains' XML, and the ledger says what the XML says (attached to a
    /// domain exactly when that domain's definition has its hostdev).
    /// </summary>
    public static void AtTheEnd(RaceVerdict v, IReadOnlyList<RaceDevice> devices, IReadOnlyDictionary<string, string> xmlByInstance, IReadOnlyDictionary<string, (string Status, string? Instance)> ledger)
    {
        var inXml = xmlByInstance.ToDictionary(x => x.Key, x => Hostdevs(x.Value));
        foreach (RaceDevice d in devices)
        {
            string[] holders = [.. inXml.Where(x => x.Value.Contains((d.Bus, d.Number))).Select(x => x.Key)];
            if (holders.Length > 1)
            {
                v.DoubleAssignments.Add($"libvirt: {d.PortId} (bus {d.Bus} device {d.Number}) is in the definitions of {string.Join(" and ", holders)}");
            }

            (string status, string? instance) = ledger[d.PortId];
            bool attached = status is "attached";
            if (attached != holders.Contains(instance) || (!attached && holders.Length > 0) || (attached && holders.Length != 1))
            {
                v.LedgerLibvirtDisagreements.Add($"{d.PortId}: the ledger says {status} {instance ?? ""}, libvirt's definitions hold it in {(holders.Length == 0 ? "none" : string.Join(", ", holders))}");
            }
        }
    }

    private static HashSet<(int, int)> Hostdevs(string xml) =>
    [
        .. XDocument.Parse(xml).Descendants("hostdev")
            .Select(h => h.Element("source")?.Element("address"))
            .Where(a => a is not null)
            .Select(a => ((int)a!.Attribute("bus")!, (int)a.Attribute("device")!)),
    ];
}
