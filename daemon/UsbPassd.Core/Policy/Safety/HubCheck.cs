using UsbPassd.Devices;

namespace UsbPassd.Policy;

/// <summary><c>hub</c>: an external hub (a root hub is <see cref="RootHubCheck"/>'s).</summary>
internal sealed class HubCheck() : SafetyCheck("hub", HostFact.None)
{
    public override IEnumerable<string> Refuse(UsbDevice device, HostFacts facts) =>
        device.IsHub && !device.IsRootHub ? [$"{device.PortId} is a hub: every device behind it would leave the host too"] : [];
}
