using UsbPassd.Policy;
using static UsbPassd.Tests.Unit.Policy.PolicyDevices;

namespace UsbPassd.Tests.Unit.Policy;

public class RootHubCheckTests
{
    [Fact]
    public void A_root_hub_is_refused_by_default_and_passes_only_by_naming_root_hub() =>
        SafetyCheckAssert.RefusedUntilOverridden("root-hub", RootHub, Idle, "usb1 is a root hub, the host controller itself"); // 'hub' is not 'root-hub'

    [Fact]
    public void An_external_hub_is_not_a_root_hub() => Assert.Empty(new RootHubCheck().Refuse(Hub, Idle));
}
