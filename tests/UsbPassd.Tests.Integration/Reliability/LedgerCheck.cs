using System.Text.RegularExpressions;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// What must hold after a crash and one reconcile: no claim left attaching or detaching; the ledger
/// equals libvirt's XML (our aliases in each domain's definition are exactly its attached claims');
/// no history row lost (every row seen before the crash is still there, ids only grow); no device
/// owned twice (one live row per owned dev_id, each of our aliases in at most one hostdev anywhere).
/// </summary>
internal static partial class LedgerCheck
{
    [GeneratedRegex("<alias name='(ua-usbpassd-[^']+)'/>")]
    private static partial Regex OurAlias();

    [GeneratedRegex("device alias=[\"'](ua-usbpassd-[^\"']+)[\"']")]
    private static partial Regex MetadataAlias();

    /// <summary>The history as it is: id, row, dev_id, kind, detail, one line a row.</summary>
    public static List<string> History(CrashHost host) =>
        [.. host.Rows("SELECT id, at, row_id, dev_id, kind, coalesce(detail, '') FROM usb_device_history ORDER BY id").Select(r => string.Join('|', r))];

    /// <returns>What is wrong, one sentence each; empty when all holds.</returns>
    public static List<string> Problems(CrashHost host, IReadOnlyList<string> historyBefore)
    {
        List<string> problems = [];
        foreach (string[] stuck in host.Rows("SELECT dev_id, state, instance_uuid FROM assignments WHERE state IN ('attaching', 'detaching')"))
        {
            problems.Add($"claim on {stuck[0]} left {stuck[1]} to {host.DomainName(stuck[2])}");
        }

        List<string[]> claims = host.Rows("SELECT dev_id, instance_uuid, state, alias FROM assignments");
        var everywhere = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach ((string name, string uuid) in new[] { (host.DomainA, host.UuidA), (host.DomainB, host.UuidB) })
        {
            string definition = CrashHost.Definition(name);
            List<string> inXml = [.. OurAlias().Matches(definition).Select(m => m.Groups[1].Value)];
            foreach (string alias in inXml)
            {
                (everywhere.TryGetValue(alias, out List<string>? at) ? at : everywhere[alias] = []).Add(name);
            }

            var expected = claims.Where(c => c[1].Equals(uuid, StringComparison.OrdinalIgnoreCase) && c[2] == "attached").Select(c => c[3]).ToHashSet(StringComparer.Ordinal);
            var actual = inXml.ToHashSet(StringComparer.Ordinal);
            if (!expected.SetEquals(actual))
            {
                problems.Add($"{name}: the ledger's attached claims [{string.Join(", ", expected.Order())}] but its definition's hostdevs [{string.Join(", ", inXml.Order())}]");
            }

            // The migration metadata describes every attached device and no device the domain has no claim on.
            var described = MetadataAlias().Matches(definition).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
            var claimed = claims.Where(c => c[1].Equals(uuid, StringComparison.OrdinalIgnoreCase) && c[2] != "external").Select(c => c[3]).ToHashSet(StringComparer.Ordinal);
            // (A domain that holds nothing is not judged: reconcile leaves alone what may be another daemon's.)
            if (!expected.IsSubsetOf(described) || (claimed.Count > 0 && !described.IsSubsetOf(claimed)))
            {
                problems.Add($"{name}: the migration metadata names [{string.Join(", ", described.Order())}] but the ledger holds [{string.Join(", ", claimed.Order())}], attached [{string.Join(", ", expected.Order())}]");
            }
        }

        foreach ((string alias, List<string> at) in everywhere.Where(e => e.Value.Count > 1))
        {
            problems.Add($"hostdev {alias} named {at.Count} times ({string.Join(", ", at)}): one device owned twice");
        }

        foreach (string[] twice in host.Rows("SELECT dev_id, count(*) FROM usb_devices WHERE deleted = 0 AND instance_uuid IS NOT NULL GROUP BY dev_id HAVING count(*) > 1"))
        {
            problems.Add($"{twice[0]} owned by {twice[1]} live rows");
        }

        // The rows mirror the ledger: a claim's owner on the device's live row, no owner without one.
        var owner = claims.ToDictionary(c => c[0], c => c[1], StringComparer.Ordinal);
        foreach (string[] row in host.Rows("SELECT dev_id, coalesce(instance_uuid, ''), status FROM usb_devices WHERE deleted = 0 AND dev_id IS NOT NULL"))
        {
            string expectedOwner = owner.GetValueOrDefault(row[0], "");
            if (!expectedOwner.Equals(row[1], StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{row[0]}'s row names owner '{row[1]}' ({row[2]}) but the ledger '{expectedOwner}'");
            }
        }

        List<string> after = History(host);
        var now = after.ToHashSet(StringComparer.Ordinal);
        foreach (string lost in historyBefore.Where(h => !now.Contains(h)))
        {
            problems.Add($"history row lost or changed: {lost}");
        }

        long last = 0;
        foreach (long id in after.Select(h => long.Parse(h[..h.IndexOf('|', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture)))
        {
            if (id <= last)
            {
                problems.Add($"history ids not strictly increasing at {id}");
            }

            last = id;
        }

        return problems;
    }
}
