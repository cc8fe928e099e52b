namespace UsbPassd.Tests.Integration.Cockpit;

/// <summary>A measurement, not a check: it runs under `make bench-cockpit` (COCKPIT_BENCH=1), skipped in `make test`.</summary>
public sealed class FactWhenBenchAttribute : FactAttribute
{
    public FactWhenBenchAttribute()
    {
        if (Environment.GetEnvironmentVariable("COCKPIT_BENCH") != "1")
        {
            Skip = "a measurement: make bench-cockpit runs it (COCKPIT_BENCH=1)";
        }
        else if (!File.Exists(BrowserRun.Chromium))
        {
            Skip = $"{BrowserRun.Chromium} is not installed (Debian package chromium)";
        }
    }
}
