using UsbPassd.Devices;

namespace UsbPassd.Policy;

/// <summary><c>root-hub</c>: the host controller's own hub.</summary>
internal sealed class RootHubCheck() : SafetyCheck("root-hub", HostFact.None)
{
    public override IEnumerable<string> Refuse(UsbDevice device, HostFacts facts) =>
        device.IsRootHub ? [$"{device.PortId} is a root hub, the host controller itself"] : [];
}
