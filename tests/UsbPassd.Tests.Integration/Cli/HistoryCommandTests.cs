using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Tests.Integration.Cli;

/// <summary>usbpassctl history follows the daemon's pages (here of two entries) until it has --limit entries or none are left.</summary>
public sealed class HistoryCommandTests : IDisposable
{
    private const int PageSize = 2;
    private readonly List<long?> _asked = [];
    private readonly FakeDaemon _daemon;

    public HistoryCommandTests() => _daemon = new FakeDaemon((_, p) => Page(p));

    public void Dispose() => _daemon.Dispose();

    // Entries 1 to 7; the newest min(limit, 2) older than before_id, oldest first.
    private string Page(JsonElement p)
    {
        int limit = p.GetProperty("limit").GetInt32();
        long? before = p.GetProperty("before_id").ValueKind == JsonValueKind.Number ? p.GetProperty("before_id").GetInt64() : null;
        lock (_asked)
        {
            _asked.Add(before);
        }

        long[] older = [.. Enumerable.Range(1, 7).Select(i => (long)i).Where(i => before is null || i < before)];
        long[] ids = older[^Math.Min(Math.Min(limit, PageSize), older.Length)..];
        var page = new HistoryPage
        {
            Entries = [.. ids.Select(id => new HistoryRecord { Id = id, At = $"2026-01-01T00:00:0{id}.000Z", DevId = "46f4:0001:KEY-0001", RowId = 1, Kind = "added" })],
            NextBeforeId = ids.Length < older.Length ? ids[0] : null,
        };
        return $"\"result\":{JsonSerializer.Serialize(page, ProtocolJson.Default.HistoryPage)}";
    }

    [Fact]
    public void The_newest_n_come_in_order_and_the_last_line_says_how_to_see_older_ones()
    {
        var (code, output, error) = _daemon.Usbpassctl("history", "--limit", "5");

        Assert.Equal(0, code);
        Assert.Empty(error);
        string[] lines = output.TrimEnd('\n').Split('\n');
        Assert.StartsWith("ID  AT", lines[0]);
        Assert.Equal(["3", "4", "5", "6", "7"], lines[1..^1].Select(l => l.Split(' ')[0]));
        Assert.Equal("(older entries: add --before 3)", lines[^1]);
        Assert.Equal([null, 6, 4], _asked);
    }

    [Fact]
    public void More_than_there_is_gives_everything_as_one_json_array()
    {
        var (code, output, _) = _daemon.Usbpassctl("history", "--limit", "5000", "--json");

        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(output);
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], doc.RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));
    }

    [Fact]
    public void Before_goes_on_from_where_a_listing_stopped()
    {
        var (_, output, _) = _daemon.Usbpassctl("history", "--before", "3");

        string[] lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal(["1", "2"], lines[1..].Select(l => l.Split(' ')[0]));
        Assert.Equal([3L], _asked);
    }
}
