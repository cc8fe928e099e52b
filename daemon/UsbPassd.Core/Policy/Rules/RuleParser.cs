using System.Collections.Frozen;
using UsbPassd.Devices;
using UsbPassd.Migration;

namespace UsbPassd.Policy;

/// <summary>
/// Parses the rule text, one rule per line (grammar in <see cref="DevicePolicy"/>). Pure and
/// bounded: any text gives rules or a <see cref="PolicyParseException"/> with line and column.
/// </summary>
internal static class RuleParser
{
    public const int MaxLineLength = 4096;
    public const int MaxRules = 10_000;
    public const int MaxSetValues = 256;

    /// <summary>The rules in order, and the <c>default</c> line if there is one.</summary>
    public static (List<PolicyRule> Rules, PolicyRule? Default) Parse(string text)
    {
        var rules = new List<PolicyRule>();
        PolicyRule? defaultRule = null;
        ReadOnlySpan<char> rest = text.AsSpan();
        if (rest.StartsWith("\uFEFF"))
        {
            rest = rest[1..]; // an editor's byte order mark is not a column
        }

        for (int number = 1; ; number++)
        {
            int eol = rest.IndexOf('\n');
            ReadOnlySpan<char> line = eol < 0 ? rest : rest[..eol];
            line = line.EndsWith("\r") ? line[..^1] : line;
            if (line.Length > MaxLineLength)
            {
                throw new PolicyParseException(RuleSource.Rules, number, MaxLineLength + 1, $"the line is longer than {MaxLineLength} characters");
            }

            var lexer = new RuleLexer(line, number);
            PolicyRule? rule = ParseLine(ref lexer);
            if (rule is { IsDefault: true })
            {
                if (defaultRule is not null)
                {
                    throw lexer.Error(1, $"a second 'default' line (the first is line {defaultRule.Origin.Position})");
                }

                defaultRule = rule;
            }
            else if (rule is not null)
            {
                if (rules.Count == MaxRules)
                {
                    throw lexer.Error(1, $"more than {MaxRules} rules");
                }

                rules.Add(rule);
            }

            if (eol < 0)
            {
                return (rules, defaultRule);
            }

            rest = rest[(eol + 1)..];
        }
    }

    /// <summary>The rule on one line; null for a blank or comment line.</summary>
    /// <remarks>
    /// A <c>default</c> line is a rule too, <c>default allow|block [label "why"] [migration DECISION]</c>: it
    /// matches everything, so conditions and overrides make no sense on it.
    /// </remarks>
    private static PolicyRule? ParseLine(ref RuleLexer lexer)
    {
        RuleToken first = lexer.Next();
        if (first.Kind == RuleTokenKind.End)
        {
            return null;
        }

        bool isDefault = first is { Kind: RuleTokenKind.Word, Text: RuleSyntax.Default };
        RuleToken targetWord = isDefault ? lexer.Next() : first;
        PolicyTarget target = Target(targetWord)
            ?? throw lexer.Expected(isDefault ? "'allow' or 'block' after 'default'" : "'allow', 'block' or 'default' at the start of a rule", targetWord);

        var conditions = new List<RuleCondition>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal); // keyword -> column, to name the first use
        string? label = null;
        IReadOnlySet<SafetyCheck> overrides = FrozenSet<SafetyCheck>.Empty;
        MigrationDecision? migration = null;
        for (RuleToken token = lexer.Next(); token.Kind != RuleTokenKind.End; token = lexer.Next())
        {
            if (token.Kind == RuleTokenKind.Word && !seen.TryAdd(token.Text, token.Column)
                && (token.Text is RuleSyntax.Label or RuleSyntax.Override or RuleSyntax.Migration || RuleSyntax.TryAttribute(token.Text, out _)))
            {
                throw lexer.Error(token.Column, $"'{token.Text}' appears twice in this rule (first at column {seen[token.Text]})");
            }

            if (!isDefault && token.Kind == RuleTokenKind.Word && RuleSyntax.TryAttribute(token.Text, out RuleAttribute attribute))
            {
                conditions.Add(ParseCondition(ref lexer, attribute));
            }
            else if (token is { Kind: RuleTokenKind.Word, Text: RuleSyntax.Label })
            {
                label = ExpectString(ref lexer, "a quoted string after 'label'");
            }
            else if (!isDefault && token is { Kind: RuleTokenKind.Word, Text: RuleSyntax.Override })
            {
                OnlyWithAllow(ref lexer, target, token, "a block rule has no safety check to switch off");
                overrides = ParseOverrides(ref lexer);
            }
            else if (token is { Kind: RuleTokenKind.Word, Text: RuleSyntax.Migration })
            {
                OnlyWithAllow(ref lexer, target, token, "a blocked device is never attached, so there is nothing to migrate");
                migration = ParseMigration(ref lexer);
            }
            else
            {
                throw lexer.Expected(
                    isDefault ? DefaultExpected(target, label is null, migration is null) : $"an attribute ({RuleSyntax.AttributeList}), 'label', 'override' or 'migration'",
                    token);
            }
        }

        return new PolicyRule
        {
            Target = target,
            Conditions = conditions,
            Label = label,
            Overrides = overrides,
            Migration = migration,
            IsDefault = isDefault,
            Origin = new RuleOrigin(RuleSource.Rules, lexer.LineNumber),
            Text = lexer.Content,
        };
    }

    // What may still follow on a default line: its label, on an allow its migration, or nothing.
    private static string DefaultExpected(PolicyTarget target, bool labelFree, bool migrationFree)
    {
        var words = new List<string>(2);
        if (labelFree)
        {
            words.Add($"'{RuleSyntax.Label}'");
        }

        if (migrationFree && target == PolicyTarget.Allow)
        {
            words.Add($"'{RuleSyntax.Migration}'");
        }

        return words.Count == 0
            ? "the end of the line"
            : $"{string.Join(", ", words)} or the end of the line after '{RuleSyntax.Default} {RuleSyntax.Keyword(target)}'";
    }

    private static void OnlyWithAllow(ref RuleLexer lexer, PolicyTarget target, RuleToken word, string why)
    {
        if (target == PolicyTarget.Block)
        {
            throw lexer.Error(word.Column, $"'{word.Text}' goes only with 'allow': {why}");
        }
    }

    // attribute value | attribute [operator] { value ... }
    private static RuleCondition ParseCondition(ref RuleLexer lexer, RuleAttribute attribute)
    {
        string keyword = RuleSyntax.Keyword(attribute);
        RuleToken token = lexer.Next();
        SetOperator op = SetOperator.Equal; // USBGuard's meaning of a bare value or a set without operator
        if (token.Kind == RuleTokenKind.Word && RuleSyntax.TryOperator(token.Text, out SetOperator named))
        {
            op = named;
            string opWord = token.Text;
            token = lexer.Next();
            if (token.Kind != RuleTokenKind.OpenBrace)
            {
                throw lexer.Expected($"'{{' after '{opWord}'", token);
            }
        }

        if (token.Kind != RuleTokenKind.OpenBrace)
        {
            return new RuleCondition(attribute, op, [ParseValue(ref lexer, attribute, token, $"after '{keyword}'")]);
        }

        var values = new List<RuleValue>();
        for (token = lexer.Next(); token.Kind != RuleTokenKind.CloseBrace || values.Count == 0; token = lexer.Next())
        {
            if (values.Count == MaxSetValues)
            {
                throw lexer.Error(token.Column, $"more than {MaxSetValues} values in one set");
            }

            values.Add(ParseValue(ref lexer, attribute, token, values.Count == 0 ? $"in the set after '{keyword}'" : $"or '}}' in the set after '{keyword}'"));
        }

        return new RuleCondition(attribute, op, values);
    }

    private static RuleValue ParseValue(ref RuleLexer lexer, RuleAttribute attribute, RuleToken token, string where)
    {
        switch (attribute)
        {
            case RuleAttribute.Id:
                return token.Kind == RuleTokenKind.Word && HexPattern.Id.TryParse(token.Text, out RuleValue id)
                    ? id
                    : throw lexer.Expected($"an id like 0529:0001 {where}", token);
            case RuleAttribute.WithInterface:
                return token.Kind == RuleTokenKind.Word && HexPattern.Interface.TryParse(token.Text, out RuleValue type)
                    ? type
                    : throw lexer.Expected($"an interface like 08:06:50 {where}", token);
            case RuleAttribute.ViaPort:
                // The port is compared as text with port_id: only the kernel's canonical spelling can ever match.
                return token.Kind == RuleTokenKind.String && UsbPortPath.TryParse(token.Text, out UsbPortPath? port)
                    ? RuleValue.OfText(port.Value.Name)
                    : throw lexer.Expected($"a port like \"1-4.2\" {where}", token);
            default:
                return token.Kind == RuleTokenKind.String
                    ? RuleValue.OfText(token.Text)
                    : throw lexer.Expected($"a quoted string {where}", token);
        }
    }

    // override name | override { name ... }
    private static HashSet<SafetyCheck> ParseOverrides(ref RuleLexer lexer)
    {
        string expected = $"a safety check ({HostSafety.NameList}) after 'override'";
        RuleToken token = lexer.Next();
        if (token.Kind != RuleTokenKind.OpenBrace)
        {
            return [ParseCheck(ref lexer, token, expected)];
        }

        var checks = new HashSet<SafetyCheck>();
        for (token = lexer.Next(); token.Kind != RuleTokenKind.CloseBrace || checks.Count == 0; token = lexer.Next())
        {
            checks.Add(ParseCheck(ref lexer, token, checks.Count == 0 ? expected : $"a safety check or '}}' after 'override {{'"));
        }

        return checks;
    }

    // migration refuse|equivalent|drop
    private static MigrationDecision ParseMigration(ref RuleLexer lexer)
    {
        RuleToken token = lexer.Next();
        return (token.Kind == RuleTokenKind.Word ? MigrationDecisions.Parse(token.Text) : null)
            ?? throw lexer.Expected($"a migration decision ({RuleSyntax.MigrationList}) after '{RuleSyntax.Migration}'", token);
    }

    private static SafetyCheck ParseCheck(ref RuleLexer lexer, RuleToken token, string expected) =>
        (token.Kind == RuleTokenKind.Word ? HostSafety.Find(token.Text) : null) ?? throw lexer.Expected(expected, token);

    private static PolicyTarget? Target(RuleToken token) => token switch
    {
        { Kind: RuleTokenKind.Word, Text: RuleSyntax.Allow } => PolicyTarget.Allow,
        { Kind: RuleTokenKind.Word, Text: RuleSyntax.Block } => PolicyTarget.Block,
        _ => null,
    };

    private static string ExpectString(ref RuleLexer lexer, string expected)
    {
        RuleToken token = lexer.Next();
        return token.Kind == RuleTokenKind.String ? token.Text : throw lexer.Expected(expected, token);
    }
}
