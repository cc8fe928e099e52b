using System.Text.RegularExpressions;
using UsbPassd.Policy;
using static UsbPassd.Tests.Unit.Policy.PolicyDevices;

namespace UsbPassd.Tests.Unit.Policy;

/// <summary>The list of checks: what every check gets from being on it, whatever it checks.</summary>
public class HostSafetyTests
{
    public static TheoryData<string> Names() => [.. HostSafety.Checks.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public void A_check_is_overridden_by_its_name_and_printed_back_by_it(string name)
    {
        PolicyRule rule = DevicePolicy.Parse($"allow override {name}").Rules[0];

        Assert.Equal(name, Assert.Single(rule.Overrides).Name);
        Assert.Equal($"allow override {name}", rule.ToString());
    }

    [Fact]
    public void Names_are_distinct_words_of_the_rule_language_and_the_registrys_reasons_follow_them()
    {
        Assert.Equal(["root-hub", "hub", "mounted-storage", "swap-storage", "held-storage", "last-keyboard"], HostSafety.Checks.Select(c => c.Name));
        Assert.All(HostSafety.Checks, c => Assert.Matches(new Regex("^[a-z]+(-[a-z]+)*$"), c.Name));
        Assert.Equal(["root_hub", "hub", "mounted_storage", "swap_storage", "held_storage", "last_keyboard"], HostSafety.Checks.Select(c => c.RegistryReason));
    }

    [Fact]
    public void Every_check_has_its_own_test_class() =>
        Assert.All(HostSafety.Checks, c => Assert.NotNull(typeof(HostSafetyTests).Assembly.GetType($"{typeof(HostSafetyTests).Namespace}.{c.GetType().Name}Tests")));

    [Fact]
    public void Every_host_fact_the_reader_knows_is_needed_by_some_check() =>
        Assert.Equal(HostFact.All, HostSafety.Needs);

    [Fact]
    public void Refusals_come_check_by_check_in_the_order_of_the_list()
    {
        HostFacts facts = Using(
            new BlockDeviceUse("sdb1", true, BlockUse.Swap, "/dev/sdb1"),
            new BlockDeviceUse("sdb2", true, BlockUse.Mounted, "/mnt/data")) with
        {
            HasLocalConsole = true,
            DeviceHasKeyboard = true,
        };

        PolicyDecision decision = DevicePolicy.Default.Evaluate(Hub, facts); // a hub with a stick and a keyboard behind it

        Assert.Equal(["hub", "mounted-storage", "swap-storage", "last-keyboard"], decision.Refusals.Select(r => r.Check.Name));
        Assert.Equal("hub", decision.Judgement.IneligibleReason);
    }
}
