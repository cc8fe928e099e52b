using System.Globalization;

namespace UsbPassd.Benchmarks;

/// <summary>
/// Figures of several usbpassd builds measured in one run: a row a figure, a column a build (the first
/// given is BEFORE, the last AFTER), the goal, and AFTER ÷ BEFORE. On a shared machine the absolute
/// figures are noisy; the ratio of two builds measured alternately in the same run is what counts.
/// </summary>
internal sealed class ComparisonTable(IReadOnlyList<string> binaries)
{
    private readonly List<string[]> _rows = [];

    private bool Compares => binaries.Count > 1;

    /// <summary>The builds' order in a round: reversed every other round (ABBA), so drift favours none.</summary>
    public static IEnumerable<int> Alternate(int round, int count) =>
        round % 2 == 0 ? Enumerable.Range(0, count) : Enumerable.Range(0, count).Reverse();

    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>A figure a build, printed with <paramref name="format"/>, and the last over the first.</summary>
    public void Add(string figure, string goal, IEnumerable<double> values, string format)
    {
        double[] v = [.. values];
        string ratio = v[0] is 0 or double.NaN ? "-" : (v[^1] / v[0]).ToString("0.00", CultureInfo.InvariantCulture) + "×";
        _rows.Add([figure, .. v.Select(x => x.ToString(format, CultureInfo.InvariantCulture)), goal, ratio]);
    }

    /// <summary>A figure that is not a number (none lost, 3 of 3): no ratio.</summary>
    public void Add(string figure, string goal, IEnumerable<string> cells) => _rows.Add([figure, .. cells, goal, "-"]);

    public void Print()
    {
        for (int i = 0; i < binaries.Count; i++)
        {
            Console.WriteLine($"{Name(i)}: {binaries[i]}, {DaemonProcess.Describe(binaries[i])}");
        }

        string[] names = [.. binaries.Select((_, i) => Name(i))];
        Line(["figure", .. names, "goal", .. Compares ? ["after ÷ before"] : Array.Empty<string>()]);
        Line([.. Enumerable.Repeat("---", names.Length + (Compares ? 3 : 2))]);
        foreach (string[] row in _rows)
        {
            Line(Compares ? row : row[..^1]);
        }
    }

    private string Name(int i) => !Compares ? "usbpassd" : i == 0 ? "before" : i == binaries.Count - 1 ? "after" : $"build {i + 1}";

    private static void Line(string[] cells) => Console.WriteLine($"| {string.Join(" | ", cells)} |");
}
