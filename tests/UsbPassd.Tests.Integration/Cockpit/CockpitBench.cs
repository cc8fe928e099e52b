using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using UsbPassd.Testing;

namespace UsbPassd.Tests.Integration.Cockpit;

/// <summary>
/// The page's figures in the headless browser (make bench-cockpit): navigation → table filled with
/// 1,000 devices, one reserve by another client → its row updated, and the bundle's gzipped size.
/// Written to build/benchmarks/cockpit-figures.txt; nothing here is asserted about time.
/// </summary>
public sealed class CockpitBench(CockpitBenchFixture daemon) : IClassFixture<CockpitBenchFixture>
{
    private const int Runs = 3;

    [FactWhenBench]
    public async Task Load_and_change_with_1000_devices()
    {
        // A device of its own each run: a reserve changes its row, the next run's starts available.
        string[] available;
        using (Rpc.WireClient c = await daemon.ConnectAsync())
        {
            JsonElement list = JsonDocument.Parse(await c.AskAsync("""{"jsonrpc":"2.0","id":1,"method":"devices.list","params":{"status":"available"}}""")).RootElement;
            available = [.. list.GetProperty("result").EnumerateArray().Select(d => d.GetProperty("port_id").GetString()!)];
        }

        List<(long Load, long Change, int Rows)> runs = [];
        for (int i = 0; i < Runs; i++)
        {
            string device = available[i];
            using var ws = new CockpitWs(daemon.Socket);
            JsonElement r = await BrowserRun.RunAsync("bench", ws, daemon.Socket, "none", device);
            Assert.Equal("reserved", r.GetProperty("reserve").GetProperty("result").GetProperty("state").GetString());
            runs.Add((r.GetProperty("loadMs").GetInt64(), r.GetProperty("changeMs").GetInt64(), r.GetProperty("rows").GetInt32()));
        }

        Assert.All(runs, run => Assert.Equal(CockpitBenchFixture.Devices, run.Rows));
        string page = Path.Combine(Corpus.RepositoryRoot, "build", "cockpit", "usbpassd");
        long gz = 0;
        foreach (string f in (string[])["usbpassd.js", "usbpassd.css"])
        {
            using var sink = new MemoryStream();
            using (var zip = new GZipStream(sink, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                zip.Write(File.ReadAllBytes(Path.Combine(page, f)));
            }

            gz += sink.Length;
        }

        static long Median(IEnumerable<long> xs) => xs.Order().ElementAt(Runs / 2);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Cockpit page, headless Chromium, real cockpit-ws + usbpassd, {CockpitBenchFixture.Devices} recorded devices, {Runs} runs (fresh cockpit-ws and browser each)");
        text.AppendLine(CultureInfo.InvariantCulture, $"  navigation -> table filled: median {Median(runs.Select(r => r.Load))} ms (runs: {string.Join(", ", runs.Select(r => r.Load))} ms)");
        text.AppendLine(CultureInfo.InvariantCulture, $"  reserve by another client -> row updated: median {Median(runs.Select(r => r.Change))} ms (runs: {string.Join(", ", runs.Select(r => r.Change))} ms)");
        text.AppendLine(CultureInfo.InvariantCulture, $"  bundle (usbpassd.js + usbpassd.css): {gz / 1024.0:F1} KiB gzipped (goal 300 KiB)");
        string output = Path.Combine(Corpus.RepositoryRoot, "build", "benchmarks", "cockpit-figures.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        File.WriteAllText(output, text.ToString());
        Console.WriteLine(text);
    }
}
