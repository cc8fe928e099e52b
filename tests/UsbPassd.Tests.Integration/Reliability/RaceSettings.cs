namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// The race's size. RACE_CALLS sets the number of calls (make races: 10,000); make test runs the
/// default, small enough to stay within its time. The rest are fixed so runs compare.
/// </summary>
internal static class RaceSettings
{
    public static int Calls => int.TryParse(Environment.GetEnvironmentVariable("RACE_CALLS"), out int n) && n > 0 ? n : 1500;

    /// <summary>Concurrent clients, one connection each (root's pool is 64).</summary>
    public const int Clients = 32;

    /// <summary>Instances racing (libvirt domains).</summary>
    public const int Domains = 6;

    /// <summary>Devices everyone fights over: few, so that races really happen.</summary>
    public const int HotDevices = 10;

    /// <summary>Where make races wants the figures (besides the test's output); unset: nowhere.</summary>
    public static string? FiguresFile => Environment.GetEnvironmentVariable("RACE_FIGURES");

    /// <summary>A folder for every call, the history and the domains' XML, to read after a failure; unset: none.</summary>
    public static string? DumpFolder => Environment.GetEnvironmentVariable("RACE_DUMP");
}
