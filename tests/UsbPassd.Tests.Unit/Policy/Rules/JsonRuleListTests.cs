using FsCheck;
using FsCheck.Fluent;
using UsbPassd.Migration;
using UsbPassd.Policy;

namespace UsbPassd.Tests.Unit.Policy;

public class JsonRuleListTests
{
    [Fact]
    public void The_seeds_blacklist_is_a_block_rule_whose_origin_is_its_index()
    {
        PolicyRule rule = Assert.Single(JsonRuleList.Parse("""[{"vendor_id": "1d6b", "product_id": "0002"}]""", RuleSource.BlockList));

        Assert.Equal("block id 1d6b:0002", rule.ToString());
        Assert.Equal("block id 1d6b:0002", rule.Text);
        Assert.Equal(new RuleOrigin(RuleSource.BlockList, 0), rule.Origin);
        Assert.Equal("block list [0] 'block id 1d6b:0002'", rule.Description);
    }

    [Fact]
    public void Allow_list_entries_take_serial_and_port_and_a_missing_product_is_any()
    {
        List<PolicyRule> rules = JsonRuleList.Parse(
            """
            [
              {"vendor_id": "0529", "product_id": "0001", "serial": "HASP \"7\""},
              {"vendor_id": "0781"},
              {"port_id": "1-4.2"},
              {"serial": "ABC", "vendor_id": "046D", "product_id": "*"}
            ]
            """,
            RuleSource.AllowList);

        Assert.Equal(
            ["allow id 0529:0001 serial \"HASP \\\"7\\\"\"", "allow id 0781:*", "allow via-port \"1-4.2\"", "allow id 046d:* serial \"ABC\""],
            rules.Select(r => r.ToString()));
        Assert.Equal([0, 1, 2, 3], rules.Select(r => r.Origin.Position));
        Assert.All(rules, r => Assert.Equal(RuleSource.AllowList, r.Origin.Source));
    }

    [Fact]
    public void An_allow_list_entry_may_say_what_a_migration_does_with_the_device()
    {
        List<PolicyRule> rules = JsonRuleList.Parse(
            """
            [
              {"vendor_id": "0529", "product_id": "0001", "migration": "refuse"},
              {"migration": "equivalent", "vendor_id": "04a9"},
              {"port_id": "1-4.2", "migration": "drop"},
              {"vendor_id": "0781"}
            ]
            """,
            RuleSource.AllowList);

        Assert.Equal(
            ["allow id 0529:0001 migration refuse", "allow id 04a9:* migration equivalent", "allow via-port \"1-4.2\" migration drop", "allow id 0781:*"],
            rules.Select(r => r.ToString()));
        Assert.Equal([MigrationDecision.Refuse, MigrationDecision.Equivalent, MigrationDecision.Drop, null], rules.Select(r => r.Migration));
    }

    public static TheoryData<string, RuleSource, int, int, string> MalformedMigration() => new()
    {
        { """[{"vendor_id": "0529", "migration": "drop"}]""", RuleSource.BlockList, 1, 24, "\"migration\" goes only with the allow list: a blocked device is never attached, so there is nothing to migrate" },
        { """[{"vendor_id": "0529", "migration": "keep"}]""", RuleSource.AllowList, 1, 37, "expected a migration decision (refuse, equivalent, drop) for \"migration\", found \"keep\"" },
        { """[{"vendor_id": "0529", "migration": "Drop"}]""", RuleSource.AllowList, 1, 37, "found \"Drop\"" },
        { """[{"vendor_id": "0529", "migration": true}]""", RuleSource.AllowList, 1, 37, "expected a string for \"migration\", found a boolean" },
        { """[{"migration": "drop"}]""", RuleSource.AllowList, 1, 2, "expected at least one of \"vendor_id\", \"product_id\", \"serial\", \"port_id\" in the entry" },
        { """[{"vendor_id": "0529", "migration": "drop", "migration": "refuse"}]""", RuleSource.AllowList, 1, 45, "\"migration\" appears twice in this entry" },
        { """[{"vendorid": "0529"}]""", RuleSource.AllowList, 1, 3, "expected \"vendor_id\", \"product_id\", \"serial\", \"port_id\" or \"migration\", found \"vendorid\"" },
    };

    [Theory]
    [MemberData(nameof(MalformedMigration))]
    public void Refuses_a_migration_in_the_block_list_or_one_that_is_no_decision(string json, RuleSource source, int line, int column, string message)
    {
        PolicyParseException e = Assert.Throws<PolicyParseException>(() => JsonRuleList.Parse(json, source));

        Assert.Equal((source, line, column), (e.SourceKind, e.Line, e.Column));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_list_has_no_rules() => Assert.Empty(JsonRuleList.Parse("[]", RuleSource.BlockList));

    public static TheoryData<string, int, int, string> Malformed() => new()
    {
        { """{"vendor_id": "1d6b"}""", 1, 1, "expected a JSON array like [{\"vendor_id\": \"1d6b\", \"product_id\": \"0002\"}]" },
        { """["1d6b:0002"]""", 1, 2, "expected an object like {\"vendor_id\": \"1d6b\", \"product_id\": \"0002\"} in the array" },
        { """[{"vendor_id": "1d6"}]""", 1, 16, "expected 4 hex digits like \"1d6b\" for \"vendor_id\", found \"1d6\"" },
        { """[{"vendor_id": "1d6b", "product_id": "02"}]""", 1, 38, "expected 4 hex digits like \"0002\", or \"*\" for \"product_id\", found \"02\"" },
        { """[{"vendor_id": "*"}]""", 1, 16, "found \"*\"" },
        { """[{"vendor_id": 7531}]""", 1, 16, "expected a string for \"vendor_id\", found a number" },
        { """[{"vendorid": "1d6b"}]""", 1, 3, "expected \"vendor_id\", \"product_id\", \"serial\" or \"port_id\", found \"vendorid\"" },
        { """[{"vendor_id": "1d6b", "vendor_id": "1d6b"}]""", 1, 24, "\"vendor_id\" appears twice in this entry" },
        { """[{}]""", 1, 2, "expected at least one of" },
        { """[{"product_id": "0002"}]""", 1, 2, "\"product_id\" needs \"vendor_id\"" },
        { """[{"port_id": "1-x"}]""", 1, 14, "expected a port like \"1-4.2\" for \"port_id\", found \"1-x\"" },
        { "[\n  {\"vendor_id\": \"1d6b\"},\n  {\"vendor_id\": \"zzzz\"}\n]", 3, 17, "found \"zzzz\"" },
        { "[\n  {\"vendor_id\": \"1d6b\",}\n]", 2, 24, "not valid JSON: " },
        { """[{"vendor_id": "1d6b"}""", 1, 23, "not valid JSON: " },
        { """[] []""", 1, 4, "not valid JSON: " },
        { "", 1, 1, "not valid JSON: " },
        { "[{\"serial\": \"é\", \"port_id\": 1}]", 1, 29, "found a number" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Refuses_malformed_lists_naming_the_list_line_and_column(string json, int line, int column, string message)
    {
        PolicyParseException e = Assert.Throws<PolicyParseException>(() => JsonRuleList.Parse(json, RuleSource.BlockList));

        Assert.Equal((RuleSource.BlockList, line, column), (e.SourceKind, e.Line, e.Column));
        Assert.StartsWith($"block list, line {line}, column {column}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Never_throws_anything_but_its_parse_exception_on_random_text() =>
        Prop.ForAll<string>(json =>
        {
            try
            {
                JsonRuleList.Parse(json ?? string.Empty, RuleSource.AllowList);
            }
            catch (PolicyParseException e)
            {
                return e.SourceKind == RuleSource.AllowList && e.Line >= 1 && e.Column >= 1;
            }

            return true;
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Every_entry_is_the_rule_line_it_prints_as()
    {
        List<PolicyRule> json = JsonRuleList.Parse(
            """[{"vendor_id": "0781", "product_id": "5581", "serial": "4C53", "port_id": "2-1"}, {"vendor_id": "0529", "migration": "equivalent"}]""",
            RuleSource.AllowList);
        (List<PolicyRule> lines, _) = RuleParser.Parse(string.Join('\n', json.Select(r => r.ToString())));

        Assert.Equal(json, lines.Select((l, i) => l with { Origin = json[i].Origin }));
    }
}
