using UsbPassd.Devices;
using UsbPassd.Migration;
using UsbPassd.Policy;
using UsbPassd.Tests.Unit.Devices;
using static UsbPassd.Tests.Unit.Policy.PolicyDevices;

namespace UsbPassd.Tests.Unit.Policy;

public class PolicyEvaluationTests
{
    [Fact]
    public void The_first_matching_rule_decides_in_order()
    {
        DevicePolicy policy = DevicePolicy.Parse("allow id 0781:5581\nblock id 0529:*\nallow id 0529:0001\n");

        PolicyDecision decision = policy.Evaluate(Dongle, Idle);

        Assert.Equal(PolicyVerdict.Blocked, decision.Verdict);
        Assert.Equal(2, decision.Rule.Origin.Position);
        Assert.Equal("block: rule 2 'block id 0529:*'", decision.Reason);
    }

    [Fact]
    public void No_match_falls_to_the_default_line_wherever_it_stands()
    {
        DevicePolicy policy = DevicePolicy.Parse("default block label \"closed host\"\nallow id 0529:0001\n");

        Assert.True(policy.Evaluate(Dongle, Idle).Allowed);
        PolicyDecision other = policy.Evaluate(Stick, Idle);
        Assert.Equal("block: the default on line 1 'default block label \"closed host\"' (label: closed host)", other.Reason);
        Assert.Same(policy.DefaultRule, other.Rule);
    }

    [Fact]
    public void The_implicit_default_allows_unless_an_allow_list_is_given()
    {
        Assert.Equal("allow: the implicit default 'default allow'", DevicePolicy.Default.Evaluate(Stick, Idle).Reason);

        DevicePolicy listed = DevicePolicy.Parse(allowList: """[{"vendor_id": "0529", "product_id": "0001"}]""");
        Assert.Equal("allow: allow list [0] 'allow id 0529:0001'", listed.Evaluate(Dongle, Idle).Reason);
        PolicyDecision unlisted = listed.Evaluate(Stick, Idle);
        Assert.Equal(PolicyVerdict.Blocked, unlisted.Verdict);
        Assert.Equal(RuleSource.Implicit, unlisted.Rule.Origin.Source);
        Assert.Contains("an allow list is given", unlisted.Reason, StringComparison.Ordinal);

        // An explicit default line wins over the implicit one.
        Assert.True(DevicePolicy.Parse("default allow", allowList: "[]").Evaluate(Stick, Idle).Allowed);
    }

    [Fact]
    public void Block_list_then_allow_list_then_rule_lines()
    {
        DevicePolicy policy = DevicePolicy.Parse(
            rules: "block id 0529:0001 label \"lines\"\nallow id 0781:5581\nblock id 046d:*",
            blockList: """[{"vendor_id": "0781", "product_id": "5581"}]""",
            allowList: """[{"vendor_id": "0529", "serial": "HASP7"}, {"vendor_id": "0781"}]""");

        Assert.Equal(
            [RuleSource.BlockList, RuleSource.AllowList, RuleSource.AllowList, RuleSource.Rules, RuleSource.Rules, RuleSource.Rules],
            policy.Rules.Select(r => r.Origin.Source));
        Assert.Equal("block: block list [0] 'block id 0781:5581'", policy.Evaluate(Stick, Idle).Reason);        // in all three
        Assert.Equal("allow: allow list [0] 'allow id 0529:* serial \"HASP7\"'", policy.Evaluate(Dongle, Idle).Reason);
        Assert.Equal("block: rule 3 'block id 046d:*'", policy.Evaluate(Keyboard, Idle).Reason);
    }

    [Fact]
    public void The_reason_names_the_line_its_text_and_label()
    {
        DevicePolicy policy = DevicePolicy.Parse("# no input devices\n\nblock with-interface one-of { 03:*:* } label \"no HID\"  # keyboards stay\n");

        Assert.Equal("block: rule 3 'block with-interface one-of { 03:*:* } label \"no HID\"' (label: no HID)", policy.Evaluate(Keyboard, Idle).Reason);
    }

    [Theory]
    [InlineData("with-interface one-of { 03:01:01 }", true)]
    [InlineData("with-interface one-of { 08:*:* 03:00:00 }", true)]
    [InlineData("with-interface all-of { 03:01:01 03:00:00 }", true)]
    [InlineData("with-interface all-of { 03:01:01 08:*:* }", false)]
    [InlineData("with-interface none-of { 08:*:* }", true)]
    [InlineData("with-interface none-of { 03:01:* }", false)]
    [InlineData("with-interface 03:*:*", true)]                       // equals: every interface is HID
    [InlineData("with-interface 03:01:01", false)]                    // equals: 03:00:00 is not listed
    [InlineData("with-interface { 03:00:00 03:01:01 }", true)]
    [InlineData("with-interface equals-ordered { 03:01:01 03:00:00 }", true)]
    [InlineData("with-interface equals-ordered { 03:00:00 03:01:01 }", false)]
    [InlineData("with-interface match-all { 03:*:* 08:*:* }", true)]
    [InlineData("with-interface match-all { 03:01:* }", false)]
    [InlineData("id 046d:c31c", true)]
    [InlineData("id 046d:*", true)]
    [InlineData("id *:*", true)]
    [InlineData("id 046d:c31d", false)]
    [InlineData("id one-of { 0529:0001 046d:c31c }", true)]
    [InlineData("id none-of { 046d:* }", false)]
    [InlineData("via-port \"1-2\"", true)]
    [InlineData("via-port \"1-2.1\"", false)]
    [InlineData("via-port one-of { \"1-1\" \"1-2\" }", true)]
    [InlineData("serial \"\"", false)]                                 // the keyboard has no serial: no value at all
    [InlineData("serial none-of { \"X\" }", true)]
    [InlineData("id 046d:c31c with-interface one-of { 03:01:01 } via-port \"1-3\"", false)] // every condition must hold
    public void Set_operators_and_wildcards_over_the_devices_values(string conditions, bool matches)
    {
        PolicyDecision decision = DevicePolicy.Parse($"block {conditions}").Evaluate(Keyboard, Idle);

        Assert.Equal(matches ? PolicyVerdict.Blocked : PolicyVerdict.Allowed, decision.Verdict);
    }

    [Theory]
    [InlineData("with-interface match-all { 03:*:* }", false)]
    [InlineData("with-interface none-of { 03:*:* }", true)]
    [InlineData("with-interface one-of { *:*:* }", false)]
    [InlineData("name none-of { \"x\" }", true)]
    public void A_device_without_values_matches_only_what_asks_for_none(string conditions, bool matches)
    {
        UsbDevice bare = TestDevices.Make("3-1");

        Assert.Equal(matches, !DevicePolicy.Parse($"block {conditions}").Evaluate(bare, Idle).Allowed);
    }

    [Fact]
    public void Strings_compare_exactly_with_the_devices_own_text()
    {
        // Serial bytes ff fe are not UTF-8: sysfs reading keeps them as the text \xff\xfe.
        UsbDevice cheap = Dongle with { Serial = "\\xff\\xfe", Product = "USB Key\u00ae" };

        Assert.False(DevicePolicy.Parse("block serial \"\\xff\\xfe\"").Evaluate(cheap, Idle).Allowed); // written as the raw bytes
        Assert.False(DevicePolicy.Parse("block serial \"\\\\xff\\\\xfe\"").Evaluate(cheap, Idle).Allowed); // written as sysfs shows them
        Assert.False(DevicePolicy.Parse("block serial \"\\xd0\\x89\"").Evaluate(cheap with { Serial = "\u0409" }, Idle).Allowed); // UTF-8 bytes are the character
        Assert.False(DevicePolicy.Parse("block name \"USB Key\\xc2\\xae\"").Evaluate(cheap, Idle).Allowed);
        Assert.True(DevicePolicy.Parse("block name \"usb key\u00ae\"").Evaluate(cheap, Idle).Allowed);
    }

    [Fact]
    public void A_blocked_device_is_blocked_whatever_safety_says()
    {
        UsbDevice hub = TestDevices.Make("1-1", cls: UsbClass.Hub);

        PolicyDecision decision = DevicePolicy.Parse("default block").Evaluate(hub, Idle);

        Assert.Equal((PolicyVerdict.Blocked, 0), (decision.Verdict, decision.Refusals.Count));
    }

    [Fact]
    public void Storage_in_use_is_refused_with_every_reason_and_each_override_lifts_only_its_own()
    {
        var facts = new HostFacts
        {
            BlockDevicesInUse =
            [
                new BlockDeviceUse("sdb1", true, BlockUse.Mounted, "/mnt/data"),
                new BlockDeviceUse("sdb2", true, BlockUse.Swap, "/dev/sdb2"),
                new BlockDeviceUse("sdb3", true, BlockUse.Held, "dm-0 (luks-3f2a)"),
            ],
        };

        PolicyDecision refused = DevicePolicy.Parse("allow id 0781:5581").Evaluate(Stick, facts);
        Assert.Equal(
            "refused: partition sdb1 is mounted on /mnt/data (mounted-storage); partition sdb2 is in use as swap (swap-storage); "
            + "partition sdb3 is held by dm-0 (luks-3f2a) (held-storage); without these, rule 1 'allow id 0781:5581' would allow it",
            refused.Reason);

        PolicyDecision partly = DevicePolicy.Parse("allow id 0781:5581 override mounted-storage").Evaluate(Stick, facts);
        Assert.Equal(PolicyVerdict.Refused, partly.Verdict);
        Assert.Equal(["swap-storage", "held-storage"], partly.Refusals.Select(r => r.Check.Name));
        Assert.Equal(["mounted-storage"], partly.Overridden.Select(r => r.Check.Name));

        Assert.True(DevicePolicy.Parse("allow id 0781:5581 override { mounted-storage swap-storage held-storage }").Evaluate(Stick, facts).Allowed);
    }

    [Fact]
    public void Prints_every_rule_in_evaluation_order_with_its_origin()
    {
        DevicePolicy policy = DevicePolicy.Parse("allow id 0529:0001   # the dongle\n", blockList: """[{"vendor_id": "1d6b"}]""", allowList: "[]");

        Assert.Equal(
            "block id 1d6b:* # block list [0]\nallow id 0529:0001 # line 1\n"
            + "default block label \"an allow list is given: what it does not name is blocked\" # implicit default\n",
            policy.ToString());
    }

    [Fact]
    public void The_deciding_allow_rule_gives_the_migration_default_and_a_blocked_device_has_none()
    {
        DevicePolicy policy = DevicePolicy.Parse(
            "allow id 0529:0001 migration refuse\nallow id 0529:* migration drop\nallow id 0781:5581\n"
            + "block id 046d:*\nallow id 046d:c31c migration drop\ndefault allow migration equivalent\n");

        Assert.Equal(MigrationDecision.Refuse, policy.MigrationDefault(Dongle));                        // the first of two that match
        Assert.Equal(MigrationDecision.Drop, policy.MigrationDefault(Dongle with { ProductId = 0x0002 })); // only the second matches
        Assert.Null(policy.MigrationDefault(Stick));                                                     // its rule does not say
        Assert.Null(policy.MigrationDefault(Keyboard));                                                  // blocked before the rule that says drop
        Assert.Equal(MigrationDecision.Equivalent, policy.MigrationDefault(TestDevices.Make("3-1")));    // no rule names it: the default line's
    }

    [Fact]
    public void The_migration_default_ignores_host_safety_and_follows_the_lists()
    {
        DevicePolicy policy = DevicePolicy.Parse(
            rules: "allow id 0781:5581 migration drop",
            blockList: """[{"vendor_id": "046d"}]""",
            allowList: """[{"vendor_id": "0529", "migration": "equivalent"}, {"vendor_id": "0781", "migration": "refuse"}, {"vendor_id": "05e3"}]""");

        Assert.Equal(MigrationDecision.Equivalent, policy.MigrationDefault(Dongle));
        Assert.Equal(MigrationDecision.Refuse, policy.MigrationDefault(Stick));    // the allow list comes before the rule lines
        Assert.Null(policy.MigrationDefault(Keyboard));                            // block list
        Assert.Null(policy.MigrationDefault(Hub));                                 // allowed by an entry that does not say (and refused by host safety)
        Assert.Null(policy.MigrationDefault(TestDevices.Make("3-1")));              // the implicit default of an allow list blocks
        Assert.Null(DevicePolicy.Default.MigrationDefault(Dongle));                 // no policy: MigrationDecisions.Default applies
    }

    [Fact]
    public void The_judge_answers_the_migration_default_without_reading_the_host()
    {
        var judge = new PolicyJudge(DevicePolicy.Parse("allow id 0781:5581 migration drop"), new HostFactsReader("/nonexistent/sys", "/nonexistent/proc"));

        Assert.Equal(MigrationDecision.Drop, judge.MigrationDefault(Stick));
        Assert.Null(judge.MigrationDefault(Dongle));
    }

    [Fact]
    public void Prints_each_rules_migration_and_the_printed_policy_gives_the_same_defaults()
    {
        DevicePolicy policy = DevicePolicy.Parse(
            "allow id 0529:0001 migration refuse # the dongle\ndefault allow label \"open\" migration equivalent\n",
            allowList: """[{"vendor_id": "0781", "migration": "drop"}]""");

        Assert.Equal(
            "allow id 0781:* migration drop # allow list [0]\nallow id 0529:0001 migration refuse # line 1\n"
            + "default allow label \"open\" migration equivalent # line 2\n",
            policy.ToString());
        DevicePolicy reparsed = DevicePolicy.Parse(policy.ToString());
        UsbDevice[] devices = [Dongle, Stick, Keyboard, Hub];
        Assert.Equal(devices.Select(policy.MigrationDefault), devices.Select(reparsed.MigrationDefault));
        Assert.Equal("allow: rule 1 'allow id 0529:0001 migration refuse'", policy.Evaluate(Dongle, Idle).Reason);
    }

    [Fact]
    public void A_parse_error_names_the_text_it_is_in()
    {
        Assert.StartsWith("line 1, column 7: ", Assert.Throws<PolicyParseException>(() => DevicePolicy.Parse("allow hash \"x\"")).Message, StringComparison.Ordinal);
        Assert.StartsWith("block list, line 1, column 1: ", Assert.Throws<PolicyParseException>(() => DevicePolicy.Parse(blockList: "{}")).Message, StringComparison.Ordinal);
        Assert.StartsWith("allow list, line 1, column 1: ", Assert.Throws<PolicyParseException>(() => DevicePolicy.Parse(allowList: "7")).Message, StringComparison.Ordinal);
    }
}
