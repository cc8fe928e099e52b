using FsCheck;
using FsCheck.Fluent;
using UsbPassd.Migration;
using UsbPassd.Policy;

namespace UsbPassd.Tests.Unit.Policy;

public class RuleParserTests
{
    [Theory]
    [InlineData("allow id 0529:0001 serial \"ABC\" via-port \"1-4.2\"", "allow id 0529:0001 serial \"ABC\" via-port \"1-4.2\"")]
    [InlineData("block with-interface 03:01:01", "block with-interface 03:01:01")]
    [InlineData("allow id 0529:ABCD", "allow id 0529:abcd")]
    [InlineData("allow id 0529:*", "allow id 0529:*")]
    [InlineData("block id *:*", "block id *:*")]
    [InlineData("block with-interface 08:*:*", "block with-interface 08:*:*")]
    [InlineData("block with-interface 03:01:*", "block with-interface 03:01:*")]
    [InlineData("block with-interface one-of { 03:01:01 03:00:00 }", "block with-interface one-of { 03:01:01 03:00:00 }")]
    [InlineData("block with-interface {03:01:01 03:00:00}", "block with-interface { 03:01:01 03:00:00 }")]
    [InlineData("block with-interface equals { 08:*:* }", "block with-interface 08:*:*")]
    [InlineData("allow with-interface all-of { 03:*:* 08:*:* }", "allow with-interface all-of { 03:*:* 08:*:* }")]
    [InlineData("allow with-interface none-of { 03:*:* }", "allow with-interface none-of { 03:*:* }")]
    [InlineData("allow with-interface equals-ordered { 08:06:50 }", "allow with-interface equals-ordered { 08:06:50 }")]
    [InlineData("allow with-interface match-all { 03:*:* }", "allow with-interface match-all { 03:*:* }")]
    [InlineData("allow id one-of { 0529:0001 0529:0002 } via-port one-of { \"1-1\" \"2-3.4\" }", "allow id one-of { 0529:0001 0529:0002 } via-port one-of { \"1-1\" \"2-3.4\" }")]
    [InlineData("  allow\tid 0529:0001   # the dongle", "allow id 0529:0001")]
    [InlineData("allow serial \"a\\\"b\\\\c\\x41\"", "allow serial \"a\\\"b\\\\cA\"")]
    [InlineData("allow name \"\\xd0\\x89\"", "allow name \"\u0409\"")]          // valid UTF-8 bytes are the character
    [InlineData("allow serial \"\\xff\"", "allow serial \"\\\\xff\"")]           // a byte that is not UTF-8 stays \xff, as sysfs shows it
    [InlineData("allow name \"# not a comment\"", "allow name \"# not a comment\"")]
    [InlineData("allow id 0781:5581 override mounted-storage", "allow id 0781:5581 override mounted-storage")]
    [InlineData("allow override { last-keyboard hub }", "allow override { hub last-keyboard }")]
    [InlineData("allow label \"why\" id 0529:0001", "allow id 0529:0001 label \"why\"")]
    [InlineData("allow", "allow")]
    [InlineData("default block label \"closed host\"", "default block label \"closed host\"")]
    [InlineData("allow id 0529:0001 migration refuse", "allow id 0529:0001 migration refuse")]
    [InlineData("allow migration equivalent label \"scanner\" with-interface one-of { 06:*:* }", "allow with-interface one-of { 06:*:* } label \"scanner\" migration equivalent")]
    [InlineData("allow id 0781:5581 migration drop override mounted-storage label \"scratch\"", "allow id 0781:5581 label \"scratch\" override mounted-storage migration drop")]
    [InlineData("default allow migration drop", "default allow migration drop")]
    [InlineData("default allow migration equivalent label \"open host\"", "default allow label \"open host\" migration equivalent")]
    public void Parses_valid_forms_to_their_canonical_text(string line, string canonical)
    {
        PolicyRule rule = ParseOne(line);

        Assert.Equal(canonical, rule.ToString());
        Assert.Equal(line.Split('#')[0].Trim(), rule.Text.Split('#')[0].Trim());
    }

    [Fact]
    public void Records_origin_text_and_label_of_each_line()
    {
        (List<PolicyRule> rules, PolicyRule? defaultRule) = RuleParser.Parse(
            "# USB policy\n\nallow id 0529:0001 label \"licence dongle\"  # HASP\r\nblock with-interface 03:*:*\ndefault block\n");

        Assert.Equal([3, 4], rules.Select(r => r.Origin.Position));
        Assert.All(rules, r => Assert.Equal(RuleSource.Rules, r.Origin.Source));
        Assert.Equal("allow id 0529:0001 label \"licence dongle\"", rules[0].Text);
        Assert.Equal("licence dongle", rules[0].Label);
        Assert.Equal((PolicyTarget.Block, true, 5), (defaultRule!.Target, defaultRule.IsDefault, defaultRule.Origin.Position));
    }

    [Theory]
    [InlineData("allow id 0529:0001 migration refuse", MigrationDecision.Refuse)]
    [InlineData("allow migration equivalent id 0529:0001", MigrationDecision.Equivalent)]
    [InlineData("default allow label \"x\" migration drop", MigrationDecision.Drop)]
    [InlineData("allow id 0529:0001", null)]
    [InlineData("block id 0529:0001", null)]
    public void Reads_the_migration_decision_of_a_rule(string line, MigrationDecision? migration)
    {
        PolicyRule rule = ParseOne(line);

        Assert.Equal(migration, rule.Migration);
        Assert.Equal(line, rule.Text); // as written, for the rule's description
    }

    [Fact]
    public void Rules_that_differ_only_in_migration_are_not_equal()
    {
        PolicyRule refuse = ParseOne("allow id 0529:0001 migration refuse"), drop = ParseOne("allow id 0529:0001 migration drop");

        Assert.NotEqual(refuse, drop with { Text = refuse.Text });
        Assert.NotEqual(refuse, refuse with { Migration = null });
    }

    public static TheoryData<string, int, int, string> Malformed() => new()
    {
        { "block name \"x\"\n\nallow     id 05z9", 3, 14, "expected an id like 0529:0001 after 'id', found '05z9'" },
        { "reject id 0529:0001", 1, 1, "expected 'allow', 'block' or 'default' at the start of a rule, found 'reject'" },
        { "allow id *:0001", 1, 10, "expected an id like 0529:0001 after 'id', found '*:0001'" },
        { "allow id 0529", 1, 10, "found '0529'" },
        { "allow id 0529:00001", 1, 10, "found '0529:00001'" },
        { "allow id 0529:0001:0", 1, 10, "found '0529:0001:0'" },
        { "allow id", 1, 9, "expected an id like 0529:0001 after 'id', found the end of the line" },
        { "allow id \"0529:0001\"", 1, 10, "found \"0529:0001\"" },
        { "allow with-interface 3:1:1", 1, 22, "expected an interface like 08:06:50 after 'with-interface', found '3:1:1'" },
        { "allow with-interface 03:01", 1, 22, "found '03:01'" },
        { "allow with-interface *:01:01", 1, 22, "found '*:01:01'" },
        { "allow serial ABC", 1, 14, "expected a quoted string after 'serial', found 'ABC'" },
        { "allow serial \"ABC", 1, 18, "expected '\"' to close the string opened at column 14, found the end of the line" },
        { "allow serial \"A\\qB\"", 1, 16, "expected \\\", \\\\ or \\xHH after a backslash in a string, found '\\q'" },
        { "allow serial \"\\x4\"", 1, 15, "found '\\x4\"'" },
        { "allow serial \"x\\", 1, 16, "found the end of the line" },
        { "allow via-port \"1-x\"", 1, 16, "expected a port like \"1-4.2\" after 'via-port', found \"1-x\"" },
        { "allow via-port 1-2", 1, 16, "found '1-2'" },
        { "allow with-interface one-of 03:01:01", 1, 29, "expected '{' after 'one-of', found '03:01:01'" },
        { "allow id one-of", 1, 16, "expected '{' after 'one-of', found the end of the line" },
        { "allow with-interface { }", 1, 24, "expected an interface like 08:06:50 in the set after 'with-interface', found '}'" },
        { "allow with-interface { 03:01:01", 1, 32, "expected an interface like 08:06:50 or '}' in the set after 'with-interface', found the end of the line" },
        { "allow hash \"abc\"", 1, 7, "expected an attribute (id, serial, name, via-port, with-interface), 'label', 'override' or 'migration', found 'hash'" },
        { "allow {", 1, 7, "found '{'" },
        { "allow serial \"abc\"def", 1, 19, "found 'def'" },
        { "allow id 0529:0001 id 0529:0002", 1, 20, "'id' appears twice in this rule (first at column 7)" },
        { "allow label \"a\" label \"b\"", 1, 17, "'label' appears twice in this rule (first at column 7)" },
        { "allow override hub override hub", 1, 20, "'override' appears twice" },
        { "block id 0529:0001 override hub", 1, 20, "'override' goes only with 'allow'" },
        { "allow override mounted", 1, 16, "expected a safety check (root-hub, hub, mounted-storage, swap-storage, held-storage, last-keyboard) after 'override', found 'mounted'" },
        { "allow override { }", 1, 18, "found '}'" },
        { "allow override { hub", 1, 21, "expected a safety check or '}' after 'override {', found the end of the line" },
        { "block id 0529:0001 migration drop", 1, 20, "'migration' goes only with 'allow': a blocked device is never attached, so there is nothing to migrate" },
        { "default block migration refuse", 1, 15, "'migration' goes only with 'allow': a blocked device is never attached" },
        { "allow migration keep", 1, 17, "expected a migration decision (refuse, equivalent, drop) after 'migration', found 'keep'" },
        { "allow migration \"drop\"", 1, 17, "expected a migration decision (refuse, equivalent, drop) after 'migration', found \"drop\"" },
        { "allow migration", 1, 16, "expected a migration decision (refuse, equivalent, drop) after 'migration', found the end of the line" },
        { "allow migration Refuse", 1, 17, "found 'Refuse'" },
        { "allow migration drop id 0529:0001 migration drop", 1, 35, "'migration' appears twice in this rule (first at column 7)" },
        { "default allow migration drop migration refuse", 1, 30, "'migration' appears twice in this rule (first at column 15)" },
        { "allow label why", 1, 13, "expected a quoted string after 'label', found 'why'" },
        { "default", 1, 8, "expected 'allow' or 'block' after 'default', found the end of the line" },
        { "default allow id 0529:0001", 1, 15, "expected 'label', 'migration' or the end of the line after 'default allow', found 'id'" },
        { "default block id 0529:0001", 1, 15, "expected 'label' or the end of the line after 'default block', found 'id'" },
        { "default allow migration drop override hub", 1, 30, "expected 'label' or the end of the line after 'default allow', found 'override'" },
        { "default allow label \"x\" migration drop id 0529:0001", 1, 40, "expected the end of the line, found 'id'" },
        { "default allow label \"a\" label \"b\"", 1, 25, "'label' appears twice in this rule (first at column 15)" },
        { "default block label \"x\" id 0529:0001", 1, 25, "expected the end of the line, found 'id'" },
        { "default block\n# comment\ndefault allow", 3, 1, "a second 'default' line (the first is line 1)" },
        { "allow id 0529:0001\r\nblock id 05z9", 2, 10, "found '05z9'" },
        { "# comment\n\n  block id x", 3, 12, "found 'x'" },
        { "\uFEFFallow id x", 1, 10, "found 'x'" },
        { "allow " + new string('x', 5000), 1, 4097, "the line is longer than 4096 characters" },
        { "allow id { " + string.Concat(Enumerable.Repeat("0529:0001 ", 257)) + "}", 1, 2572, "more than 256 values in one set" },
        { "allow name \"" + new string('n', 60) + "\" " + new string('w', 60), 1, 75, "found '" + new string('w', 40) + "…'" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Refuses_malformed_rules_with_line_column_and_what_was_expected(string text, int line, int column, string message)
    {
        PolicyParseException e = Assert.Throws<PolicyParseException>(() => RuleParser.Parse(text));

        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.StartsWith($"line {line}, column {column}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_more_than_the_maximum_number_of_rules()
    {
        string text = string.Concat(Enumerable.Repeat("block id 0529:0001\n", RuleParser.MaxRules + 1));

        PolicyParseException e = Assert.Throws<PolicyParseException>(() => RuleParser.Parse(text));

        Assert.Equal(RuleParser.MaxRules + 1, e.Line);
    }

    [Fact]
    public void Never_throws_anything_but_its_parse_exception_on_random_text() =>
        Prop.ForAll<string>(text => ParsesOrRefuses(text ?? string.Empty)).QuickCheckThrowOnFailure();

    [Fact]
    public void Never_throws_anything_but_its_parse_exception_on_random_rule_words() =>
        Prop.ForAll(PolicyGen.TokenSoup.ToArbitrary(), ParsesOrRefuses).QuickCheckThrowOnFailure();

    [Fact]
    public void Every_rule_prints_to_text_that_parses_to_the_same_rule() =>
        Prop.ForAll(PolicyGen.Rule.ToArbitrary(), rule =>
        {
            string text = rule.ToString();
            PolicyRule parsed = ParseOne(text);
            return parsed.Equals(rule with { Origin = parsed.Origin }) && parsed.ToString() == text;
        }).QuickCheckThrowOnFailure();

    private static bool ParsesOrRefuses(string text)
    {
        try
        {
            RuleParser.Parse(text);
        }
        catch (PolicyParseException e)
        {
            return e.Line >= 1 && e.Column >= 1;
        }

        return true;
    }

    private static PolicyRule ParseOne(string line)
    {
        (List<PolicyRule> rules, PolicyRule? defaultRule) = RuleParser.Parse(line);
        return Assert.Single(defaultRule is null ? rules : [.. rules, defaultRule]);
    }
}
