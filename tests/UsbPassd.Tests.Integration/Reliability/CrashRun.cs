using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// A run of random (operation, point) pairs over a set of points: every point once (shuffled) before
/// any twice, so a run of at least as many pairs as points hits them all; the seed and each pair
/// said (and appended to CRASH_REPORT); a pair with a problem ends the run with its seed.
/// </summary>
internal sealed class CrashRun(string name, IReadOnlyList<string> points, ITestOutputHelper output)
{
    /// <summary>The seed (CRASH_SEED, or random) every choice of the run comes from.</summary>
    public int Seed { get; } = int.TryParse(Environment.GetEnvironmentVariable("CRASH_SEED"), CultureInfo.InvariantCulture, out int s) ? s : Random.Shared.Next();

    /// <summary>Runs <paramref name="pairs"/> pairs; <paramref name="run"/> does one, given its point and the run's random source.</summary>
    public async Task RunAsync(int pairs, Func<string, Random, Task<CrashPair>> run)
    {
        var random = new Random(Seed);
        Say($"{name}: {pairs} pairs, CRASH_SEED={Seed}, {points.Count} points defined");
        List<string> order = [.. points.OrderBy(_ => random.Next())];
        while (order.Count < pairs)
        {
            order.Add(points[random.Next(points.Count)]);
        }

        List<CrashPair> done = [];
        long started = Stopwatch.GetTimestamp();
        foreach (string point in order.Take(pairs))
        {
            CrashPair pair = await run(point, random);
            done.Add(pair);
            Say($"{done.Count,3} {pair}");
            Assert.True(pair.Problems.Count == 0, $"CRASH_SEED={Seed} pair {done.Count}: {pair}");
        }

        var hit = done.Where(d => d.Crashed).Select(d => d.Point).ToHashSet(StringComparer.Ordinal);
        Say($"{name}: {done.Count} pairs in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s, {done.Count(d => d.Crashed)} killed, {done.Count(d => !d.Crashed)} not reached; points hit {hit.Count}/{points.Count}; CRASH_SEED={Seed}");
        string[] missed = [.. points.Where(pt => !hit.Contains(pt))];
        if (missed.Length > 0)
        {
            Say("not hit: " + string.Join(", ", missed));
        }

        if (pairs >= points.Count)
        {
            Assert.Empty(missed);
        }
    }

    /// <summary>A line to the test's output, and to CRASH_REPORT's file when set.</summary>
    public void Say(string line)
    {
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("CRASH_REPORT") is { Length: > 0 } file)
        {
            File.AppendAllText(file, line + "\n");
        }
    }

    /// <summary>The number of pairs <paramref name="variable"/> asks for, else <paramref name="fallback"/>.</summary>
    public static int Pairs(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), CultureInfo.InvariantCulture, out int p) ? p : fallback;
}
