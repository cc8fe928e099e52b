using UsbPassd.Policy;
using static UsbPassd.Tests.Unit.Policy.PolicyDevices;

namespace UsbPassd.Tests.Unit.Policy;

public class LastKeyboardCheckTests
{
    [Theory]
    [InlineData(true, 0, false, PolicyVerdict.Refused)]
    [InlineData(true, 1, false, PolicyVerdict.Allowed)]  // another keyboard stays
    [InlineData(false, 0, false, PolicyVerdict.Allowed)] // no local console: nobody types at the host
    [InlineData(true, 0, true, PolicyVerdict.Allowed)]
    public void The_last_keyboard_of_a_host_with_a_console_is_refused(bool console, int otherKeyboards, bool overrideIt, PolicyVerdict verdict)
    {
        var facts = new HostFacts { HasLocalConsole = console, OtherKeyboards = otherKeyboards };
        DevicePolicy policy = DevicePolicy.Parse(overrideIt ? "allow override last-keyboard" : null);

        PolicyDecision decision = policy.Evaluate(Keyboard, facts);

        Assert.Equal(verdict, decision.Verdict);
        Assert.Equal(verdict == PolicyVerdict.Refused ? ["last-keyboard"] : [], decision.Refusals.Select(r => r.Check.Name));
    }

    [Fact]
    public void A_keyboard_without_the_boot_interface_counts_when_the_host_sees_one_on_it()
    {
        var facts = new HostFacts { HasLocalConsole = true, DeviceHasKeyboard = true };

        Assert.Equal(PolicyVerdict.Refused, DevicePolicy.Default.Evaluate(Dongle, facts).Verdict);
        Assert.Equal(PolicyVerdict.Allowed, DevicePolicy.Default.Evaluate(Dongle, facts with { DeviceHasKeyboard = false }).Verdict);
        Assert.Equal(PolicyVerdict.Allowed, DevicePolicy.Parse("allow id 0529:0001 override last-keyboard").Evaluate(Dongle, facts).Verdict);
        SafetyCheckAssert.RefusedUntilOverridden("last-keyboard", Dongle, facts, "1-4.2 is the last keyboard of a host with a local console");
    }
}
