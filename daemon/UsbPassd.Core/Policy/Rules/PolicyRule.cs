using System.Collections.Frozen;
using UsbPassd.Devices;
using UsbPassd.Migration;

namespace UsbPassd.Policy;

/// <summary>
/// One rule: a target and the conditions a device must all meet (none: every device), with an
/// optional label and, on allow rules, the safety checks it overrides and what a live migration does
/// with the devices it allows. A <c>default</c> line, and the
/// implicit default, are rules too, so every decision names the rule that made it.
/// </summary>
public sealed record PolicyRule
{
    public required PolicyTarget Target { get; init; }

    internal IReadOnlyList<RuleCondition> Conditions { get; init; } = [];

    /// <summary>The safety checks this rule switches off for the devices it allows.</summary>
    public IReadOnlySet<SafetyCheck> Overrides { get; init; } = FrozenSet<SafetyCheck>.Empty;

    /// <summary>The rule's <c>label "…"</c>: the operator's reason, shown with every decision it makes.</summary>
    public string? Label { get; init; }

    /// <summary>
    /// The rule's <c>migration refuse|equivalent|drop</c> (issue 16; allow rules only): what a live migration does
    /// with a device this rule allowed, unless its attachment says otherwise; null when the rule does not say.
    /// </summary>
    public MigrationDecision? Migration { get; init; }

    /// <summary>A <c>default</c> line, or the implicit default: it matches every device.</summary>
    public bool IsDefault { get; init; }

    public RuleOrigin Origin { get; init; }

    /// <summary>The rule as written (its line without comment), or as printed for a JSON entry.</summary>
    public string Text
    {
        get => field ?? ToString();
        init;
    }

    /// <summary>
    /// Who decided, for a person: <c>rule 3 'block with-interface 03:*:*' (label: no HID)</c>,
    /// <c>block list [0] 'block id 1d6b:0002'</c>, <c>the default on line 9 'default block'</c>.
    /// </summary>
    public string Description
    {
        get
        {
            string who = (Origin.Source, IsDefault) switch
            {
                (RuleSource.Implicit, _) => "the implicit default",
                (RuleSource.Rules, true) => $"the default on line {Origin.Position}",
                (RuleSource.Rules, false) => $"rule {Origin.Position}",
                _ => Origin.ToString(),
            };
            return $"{who} '{Text}'" + (Label is null ? string.Empty : $" (label: {Label})");
        }
    }

    public bool Matches(UsbDevice device)
    {
        foreach (RuleCondition condition in Conditions)
        {
            if (!condition.Matches(device))
            {
                return false;
            }
        }

        return true;
    }

    public bool Equals(PolicyRule? other) =>
        other is not null
        && Target == other.Target
        && Overrides.SetEquals(other.Overrides)
        && Label == other.Label
        && Migration == other.Migration
        && IsDefault == other.IsDefault
        && Origin == other.Origin
        && Text == other.Text
        && Conditions.SequenceEqual(other.Conditions);

    public override int GetHashCode() => HashCode.Combine(Target, Origin, Text);

    /// <summary>The rule in the rule language, in one canonical form that parses back to an equal rule.</summary>
    public override string ToString()
    {
        var parts = new List<string> { IsDefault ? $"{RuleSyntax.Default} {RuleSyntax.Keyword(Target)}" : RuleSyntax.Keyword(Target) };
        parts.AddRange(Conditions.Select(c => c.ToString()));
        if (Label is not null)
        {
            parts.Add($"{RuleSyntax.Label} {RuleSyntax.Quote(Label)}");
        }

        if (Overrides.Count > 0)
        {
            string names = string.Join(' ', HostSafety.Checks.Where(Overrides.Contains).Select(c => c.Name));
            parts.Add(Overrides.Count > 1 ? $"{RuleSyntax.Override} {{ {names} }}" : $"{RuleSyntax.Override} {names}");
        }

        if (Migration is MigrationDecision migration)
        {
            parts.Add($"{RuleSyntax.Migration} {migration.Name()}");
        }

        return string.Join(' ', parts);
    }
}
