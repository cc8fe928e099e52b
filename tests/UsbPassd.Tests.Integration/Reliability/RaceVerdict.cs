using System.Diagnostics;
using System.Text;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>What the race found: the figures printed and the violations, each with a sentence that says where.</summary>
internal sealed class RaceVerdict
{
    public int Calls { get; init; }

    public TimeSpan Wall { get; init; }

    public int Wins { get; init; }

    /// <summary>Refusals by JSON-RPC error code.</summary>
    public IReadOnlyDictionary<int, int> LossesByCode { get; init; } = new Dictionary<int, int>();

    public IReadOnlyDictionary<string, int> WinsByMethod { get; init; } = new Dictionary<string, int>();

    public List<string> DoubleAssignments { get; } = [];

    public List<string> LoserNotToldOwner { get; } = [];

    public List<string> TokenViolations { get; } = [];

    /// <summary>The ledger and libvirt's XML disagreeing at the end (a device attached in one and not the other).</summary>
    public List<string> LedgerLibvirtDisagreements { get; } = [];

    public int HistoryEntries { get; init; }

    public int ClaimsInHistory { get; init; }

    public string Figures()
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo($"race: {Calls} calls from {RaceSettings.Clients} clients, {RaceSettings.Domains} instances, {RaceSettings.HotDevices} hot devices of {RaceFixture.HostDevices}, wall time {Wall.TotalSeconds:F1} s ({Calls / Wall.TotalSeconds:F0} calls/s)"));
        s.AppendLine(CultureInfo($"  wins: {Wins} ({string.Join(", ", WinsByMethod.OrderBy(w => w.Key).Select(w => $"{w.Key} {w.Value}"))})"));
        s.AppendLine(CultureInfo($"  losses by code: {string.Join(", ", LossesByCode.OrderBy(l => l.Key).Select(l => $"{l.Key}: {l.Value}"))}"));
        s.AppendLine(CultureInfo($"  history: {HistoryEntries} ownership entries, {ClaimsInHistory} claims"));
        s.AppendLine(CultureInfo($"  double assignments: {DoubleAssignments.Count}"));
        s.AppendLine(CultureInfo($"  losers not told the owner: {LoserNotToldOwner.Count}"));
        s.AppendLine(CultureInfo($"  token order violations: {TokenViolations.Count}"));
        s.AppendLine(CultureInfo($"  ledger/libvirt disagreements at the end: {LedgerLibvirtDisagreements.Count}"));
        foreach (string v in DoubleAssignments.Concat(LoserNotToldOwner).Concat(TokenViolations).Concat(LedgerLibvirtDisagreements).Take(20))
        {
            s.AppendLine("  ! " + v);
        }

        return s.ToString();
    }

    private static string CultureInfo(FormattableString s) => s.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static TimeSpan Since(long start) => Stopwatch.GetElapsedTime(start);
}
