using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Cockpit;

/// <summary>
/// usbpassd with 1,000 recorded devices (BigTree, as the RPC benchmarks), libvirt off: the page's load
/// and change figures. xunit builds class fixtures even when every test is skipped, so outside
/// make bench-cockpit it writes one device and starts nothing.
/// </summary>
public sealed class CockpitBenchFixture : DaemonFixture
{
    public const int Devices = 1000;

    private static bool Benching => Environment.GetEnvironmentVariable("COCKPIT_BENCH") == "1";

    public CockpitBenchFixture() : base("none", CockpitDaemonFixture.Recorded(Benching ? Devices : 1), "none") { }

    public override Task InitializeAsync() => Benching ? base.InitializeAsync() : Task.CompletedTask;
}
