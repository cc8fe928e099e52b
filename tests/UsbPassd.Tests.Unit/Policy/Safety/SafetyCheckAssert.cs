using UsbPassd.Devices;
using UsbPassd.Policy;

namespace UsbPassd.Tests.Unit.Policy;

/// <summary>What every check's test shows first: the check refuses, in its words, and only its name lifts that.</summary>
internal static class SafetyCheckAssert
{
    /// <summary>
    /// The default policy refuses <paramref name="device"/> for <paramref name="reason"/> alone, named by
    /// <paramref name="check"/> (also the registry's reason, in snake case); an allow rule that overrides
    /// every other check leaves it refused, one that overrides this check passes it.
    /// </summary>
    public static void RefusedUntilOverridden(string check, UsbDevice device, HostFacts facts, string reason)
    {
        PolicyDecision refused = DevicePolicy.Default.Evaluate(device, facts);
        Assert.Equal($"refused: {reason} ({check}); without that, the implicit default 'default allow' would allow it", refused.Reason);
        Assert.Equal(check.Replace('-', '_'), refused.Judgement.IneligibleReason);

        string others = string.Join(' ', HostSafety.Checks.Select(c => c.Name).Where(n => n != check));
        Assert.Equal(PolicyVerdict.Refused, DevicePolicy.Parse($"allow override {{ {others} }}").Evaluate(device, facts).Verdict);
        Assert.True(DevicePolicy.Parse($"allow override {check}").Evaluate(device, facts).Allowed);
    }
}
