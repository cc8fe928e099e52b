using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Cockpit;

/// <summary>usbpassd with 1,000 recorded devices (BigTree, as the RPC benchmarks), libvirt off: the page's load and change figures.</summary>
public sealed class CockpitBenchFixture : DaemonFixture
{
    public const int Devices = 1000;

    public CockpitBenchFixture() : base("none", CockpitDaemonFixture.Recorded(Devices), "none") { }
}
