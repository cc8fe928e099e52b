using UsbPassd.Policy;
using static UsbPassd.Tests.Unit.Policy.PolicyDevices;

namespace UsbPassd.Tests.Unit.Policy;

public class HubCheckTests
{
    [Fact]
    public void A_hub_is_refused_by_default_and_passes_only_by_naming_the_check()
    {
        SafetyCheckAssert.RefusedUntilOverridden("hub", Hub, Idle, "1-1 is a hub: every device behind it would leave the host too");

        PolicyDecision allowed = DevicePolicy.Parse("allow id 05e3:0608 override hub\nallow override hub").Evaluate(Hub, Idle);
        Assert.Equal("allow: rule 1 'allow id 05e3:0608 override hub', overriding: 1-1 is a hub: every device behind it would leave the host too (hub)", allowed.Reason);
    }

    [Fact]
    public void A_root_hub_is_the_root_hub_checks_alone() => Assert.Empty(new HubCheck().Refuse(RootHub, Idle));
}
