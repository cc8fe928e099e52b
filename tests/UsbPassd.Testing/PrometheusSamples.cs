using System.Globalization;

namespace UsbPassd.Testing;

/// <summary>The samples of usbpassd's Prometheus text (metrics.get), by name with labels, for tests that count.</summary>
public static class PrometheusSamples
{
    public static Dictionary<string, double> Parse(string text) =>
        text.Split('\n').Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split(' '))
            .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));

    /// <summary>The samples of <paramref name="family"/> that grew from <paramref name="from"/> to <paramref name="to"/>, as "{labels} +n, …" ("none" when none did).</summary>
    public static string Growth(Dictionary<string, double> from, Dictionary<string, double> to, string family) =>
        string.Join(", ", to.Where(x => x.Key.StartsWith(family, StringComparison.Ordinal) && x.Value != from.GetValueOrDefault(x.Key))
            .Select(x => $"{x.Key[family.Length..]} +{x.Value - from.GetValueOrDefault(x.Key)}")) is { Length: > 0 } s ? s : "none";
}
