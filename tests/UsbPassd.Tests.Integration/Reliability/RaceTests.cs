using System.Diagnostics;
using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Tests.Integration.Libvirt;
using UsbPassd.Tests.Integration.Rpc;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// Issue 17, part 2: racing reserve / attach / swap / release calls from many clients over the socket
/// on the real daemon and this machine's libvirtd. Nobody ever holds a device another holds, every
/// loser is told the owner of that moment, and fencing tokens only grow. RACE_CALLS sets the count
/// (make races: 10,000; make test: the small default).
/// </summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class RaceTests(RaceFixture daemon, ITestOutputHelper output) : IClassFixture<RaceFixture>
{
    [Fact]
    public async Task Racing_clients_never_share_a_device_every_loser_is_told_the_owner_and_tokens_only_grow()
    {
        IReadOnlyList<string> hot = await daemon.HotDevicesAsync(RaceSettings.HotDevices);
        Assert.Equal(RaceSettings.HotDevices, hot.Count);
        using WireClient c = await daemon.ConnectAsync();
        Dictionary<string, RaceDevice> byPort = (await ListAsync(c)).EnumerateArray()
            .Where(d => hot.Contains(d.GetProperty("port_id").GetString()))
            .Select(d => new RaceDevice(d.GetProperty("port_id").GetString()!, d.GetProperty("dev_id").GetString()!, d.GetProperty("bus_id").GetInt32(), d.GetProperty("device_id").GetInt32()))
            .ToDictionary(d => d.PortId);

        long start = Stopwatch.GetTimestamp();
        IReadOnlyList<RaceCall> calls = await new RaceClients(daemon, daemon.Domains, hot).RunAsync(RaceSettings.Calls, RaceSettings.Clients, seed: 17);
        TimeSpan wall = RaceVerdict.Since(start);

        HashSet<string> hotIds = [.. byPort.Values.Select(d => d.DevId)];
        IReadOnlyList<RaceHistoryEntry> history = [.. (await HistoryAsync(c)).Where(e => hotIds.Contains(e.DevId) && (e.IsClaim || e.IsRelease || e.IsState))];
        Dictionary<string, (string, string?)> ledger = (await ListAsync(c)).EnumerateArray()
            .Where(d => byPort.ContainsKey(d.GetProperty("port_id").GetString()!))
            .ToDictionary(d => d.GetProperty("port_id").GetString()!, d => (d.GetProperty("status").GetString()!, d.GetProperty("instance_uuid").GetString()));
        Dictionary<string, string> xml = daemon.Domains.ToDictionary(d => d.Uuid, d => LocalLibvirt.Shell($"virsh -c qemu:///system dumpxml --inactive {d.Name}"));

        var verdict = new RaceVerdict
        {
            Calls = calls.Count,
            Wall = wall,
            Wins = calls.Count(x => x.Won),
            WinsByMethod = calls.Where(x => x.Won).GroupBy(x => x.Method).ToDictionary(g => g.Key, g => g.Count()),
            LossesByCode = calls.Where(x => !x.Won).GroupBy(x => x.Code!.Value).ToDictionary(g => g.Key, g => g.Count()),
            HistoryEntries = history.Count,
            ClaimsInHistory = history.Count(e => e.IsClaim),
        };
        RaceChecks.FromAnswers(verdict, calls);
        RaceChecks.FromHistory(verdict, history, calls, byPort);
        RaceChecks.AtTheEnd(verdict, [.. byPort.Values], xml, ledger);

        if (RaceSettings.DumpFolder is string dump)
        {
            Directory.CreateDirectory(dump);
            File.WriteAllLines(Path.Combine(dump, "calls.txt"), calls.Select(x => $"{x.Sent:HH:mm:ss.ffffff} {x.Received:HH:mm:ss.ffffff} {x.Method} {x.Device} from={x.From} by={x.Instance} {x.Answer}"));
            File.WriteAllLines(Path.Combine(dump, "history.txt"), history.Select(e => e.ToString()));
            File.WriteAllLines(Path.Combine(dump, "xml.txt"), xml.Select(x => $"== {x.Key}\n{x.Value}"));
        }

        string figures = verdict.Figures();
        output.WriteLine(figures);
        if (RaceSettings.FiguresFile is string file)
        {
            File.WriteAllText(file, figures);
        }

        Assert.Equal(RaceSettings.Calls, calls.Count);
        Assert.True(verdict.LossesByCode.GetValueOrDefault(ErrorCodes.DeviceOwned) > 0, "no call lost to another instance: nothing raced\n" + figures);
        Assert.True(verdict.WinsByMethod.Count >= 4, "not every kind of call won at least once\n" + figures);
        Assert.False(verdict.LossesByCode.ContainsKey(ErrorCodes.InternalError), figures);
        Assert.True(verdict.DoubleAssignments.Count == 0, figures);
        Assert.True(verdict.LoserNotToldOwner.Count == 0, figures);
        Assert.True(verdict.TokenViolations.Count == 0, figures);
        Assert.True(verdict.LedgerLibvirtDisagreements.Count == 0, figures);
    }

    private static async Task<JsonElement> ListAsync(WireClient c) =>
        JsonDocument.Parse(await c.AskAsync($$"""{"jsonrpc":"2.0","id":1,"method":"{{Methods.DevicesList}}"}""")).RootElement.GetProperty("result").Clone();

    // The whole history, page by page from the newest back (history.list's cursor).
    private static async Task<List<RaceHistoryEntry>> HistoryAsync(WireClient c)
    {
        var all = new List<RaceHistoryEntry>();
        long? before = null;
        do
        {
            string parameters = before is long b ? $$"""{"limit":1000,"before_id":{{b}}}""" : """{"limit":1000}""";
            JsonElement page = JsonDocument.Parse(await c.AskAsync($$"""{"jsonrpc":"2.0","id":2,"method":"{{Methods.HistoryList}}","params":{{parameters}}}""")).RootElement.GetProperty("result");
            all.AddRange(page.GetProperty("entries").EnumerateArray().Select(RaceHistoryEntry.From));
            before = page.GetProperty("next_before_id").ValueKind == JsonValueKind.Number ? page.GetProperty("next_before_id").GetInt64() : null;
        }
        while (before is not null);

        return all;
    }
}
