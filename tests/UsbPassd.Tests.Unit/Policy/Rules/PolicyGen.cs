using FsCheck;
using FsCheck.Fluent;
using UsbPassd.Migration;
using UsbPassd.Policy;

namespace UsbPassd.Tests.Unit.Policy;

/// <summary>FsCheck generators: any valid rule, and lines of rule words in any order (to reach deep into the parser).</summary>
internal static class PolicyGen
{
    private static readonly string[] Words =
    [
        "allow", "block", "default", "reject", "id", "serial", "name", "via-port", "with-interface", "label", "override",
        "one-of", "all-of", "none-of", "equals", "equals-ordered", "match-all", "{", "}", "#", "\"", "\\", "\\x", "\\\"",
        "0529:0001", "0529:*", "*:*", "*:0001", "08:*:*", "03:01:01", "3:1", "\"1-4.2\"", "\"usb1\"", "\"S\\x41\"", "\"\\q\"",
        "hub", "root-hub", "mounted-storage", "last-keyboard", "migration", "refuse", "equivalent", "drop", "\uFEFF", "\r", "\t", "\ud800", "é",
    ];

    // Characters that stress quoting: quote, backslash, '#', braces, controls, non-ASCII and a surrogate pair as one piece.
    private static readonly string[] TextPieces = ["a", "Z", "0", " ", "\"", "\\", "#", "{", "}", "\t", "\n", "\r", "\x01", "\x7f", "é", "\u0409", "\ud83d\udd11", "\\xff", "'"];

    public static Gen<string> TokenSoup { get; } =
        Gen.ListOf(Gen.Elements(Words)).SelectMany(words => Gen.Elements(" ", "", "\n").Select(sep => string.Join(sep, words)));

    /// <summary>Any rule line, a <c>default</c> line among them: only an allow has overrides or a migration, only a rule line conditions.</summary>
    public static Gen<PolicyRule> Rule { get; } =
        from target in Gen.Elements(PolicyTarget.Allow, PolicyTarget.Block)
        from isDefault in Gen.Elements(false, false, false, true)
        from attributes in Gen.SubListOf(Enum.GetValues<RuleAttribute>()).SelectMany(a => Gen.Shuffle(a.ToArray()))
        from conditions in Gen.CollectToArray(attributes, Condition)
        from label in Gen.OneOf(Gen.Constant<string?>(null), Text.Select(t => (string?)t))
        from overrides in Gen.SubListOf(HostSafety.Checks.ToArray()).Select(c => c.ToHashSet())
        from migration in Gen.Elements<MigrationDecision?>(null, MigrationDecision.Refuse, MigrationDecision.Equivalent, MigrationDecision.Drop)
        select new PolicyRule
        {
            Target = target,
            IsDefault = isDefault,
            Conditions = isDefault ? [] : conditions,
            Label = label,
            Overrides = target == PolicyTarget.Allow && !isDefault ? overrides : [],
            Migration = target == PolicyTarget.Allow ? migration : null,
            Origin = new RuleOrigin(RuleSource.Rules, 1),
        };

    private static Gen<string> Text { get; } = Gen.ListOf(Gen.Elements(TextPieces)).Select(string.Concat);

    private static Gen<RuleCondition> Condition(RuleAttribute attribute) =>
        from op in Gen.Elements(Enum.GetValues<SetOperator>())
        from count in op == SetOperator.Equal ? Gen.Choose(1, 3) : Gen.Choose(1, 4)
        from values in Gen.ArrayOf(Value(attribute), count)
        select new RuleCondition(attribute, op, values);

    private static Gen<RuleValue> Value(RuleAttribute attribute) => attribute switch
    {
        RuleAttribute.Id => Hex(fields: 2, bits: 16),
        RuleAttribute.WithInterface => Hex(fields: 3, bits: 8),
        RuleAttribute.ViaPort =>
            from bus in Gen.Choose(1, 999)
            from ports in Gen.NonEmptyListOf(Gen.Choose(1, 255))
            select RuleValue.OfText($"{bus}-{string.Join('.', ports.Take(7))}"),
        _ => Text.Select(RuleValue.OfText),
    };

    // Wildcards only at the end, as the language allows: the first `known` fields are given.
    private static Gen<RuleValue> Hex(int fields, int bits) =>
        from known in Gen.Choose(0, fields)
        from parts in Gen.ArrayOf(Gen.Choose(0, (1 << bits) - 1), fields)
        select Pattern(parts, known, bits);

    private static RuleValue Pattern(int[] parts, int known, int bits)
    {
        uint value = 0, mask = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            value = (value << bits) | (i < known ? (uint)parts[i] : 0);
            mask = (mask << bits) | (i < known ? (1u << bits) - 1 : 0);
        }

        return new RuleValue(value, mask, null);
    }
}
