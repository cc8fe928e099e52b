using System.Globalization;
using System.Text;
using UsbPassd.Migration;

namespace UsbPassd.Policy;

/// <summary>
/// The words of the rule language, and how strings are written in it. The safety checks' words
/// (<c>override hub</c>) are the checks' own <see cref="SafetyCheck.Name"/>s, the migration decisions'
/// (<c>migration equivalent</c>) their <see cref="MigrationDecisions.Name"/>s, as on the wire.
/// </summary>
internal static class RuleSyntax
{
    public const string Allow = "allow";
    public const string Block = "block";
    public const string Default = "default";
    public const string Label = "label";
    public const string Override = "override";
    public const string Migration = "migration";

    private static readonly (string Word, RuleAttribute Value)[] Attributes =
    [
        ("id", RuleAttribute.Id),
        ("serial", RuleAttribute.Serial),
        ("name", RuleAttribute.Name),
        ("via-port", RuleAttribute.ViaPort),
        ("with-interface", RuleAttribute.WithInterface),
    ];

    private static readonly (string Word, SetOperator Value)[] Operators =
    [
        ("one-of", SetOperator.OneOf),
        ("all-of", SetOperator.AllOf),
        ("none-of", SetOperator.NoneOf),
        ("equals", SetOperator.Equal),
        ("equals-ordered", SetOperator.EqualOrdered),
        ("match-all", SetOperator.MatchAll),
    ];

    /// <summary>"id, serial, name, via-port, with-interface", for error messages.</summary>
    public static string AttributeList { get; } = string.Join(", ", Attributes.Select(a => a.Word));

    /// <summary>"refuse, equivalent, drop", for error messages: the words of <see cref="MigrationDecisions.Name"/>.</summary>
    public static string MigrationList { get; } = string.Join(", ", Enum.GetValues<MigrationDecision>().Select(d => d.Name()));

    public static string Keyword(PolicyTarget target) => target == PolicyTarget.Allow ? Allow : Block;

    public static string Keyword(RuleAttribute attribute) => Word(Attributes, attribute);

    public static string Keyword(SetOperator op) => Word(Operators, op);

    public static bool TryAttribute(string word, out RuleAttribute attribute) => TryFind(Attributes, word, out attribute);

    public static bool TryOperator(string word, out SetOperator op) => TryFind(Operators, word, out op);

    /// <summary>
    /// A string as the rule language writes it: in double quotes, with <c>\"</c>, <c>\\</c> and
    /// <c>\xHH</c> for control characters, so that any line reads back as the same string.
    /// </summary>
    public static string Quote(string text)
    {
        var quoted = new StringBuilder(text.Length + 2).Append('"');
        foreach (char c in text)
        {
            _ = c switch
            {
                '"' => quoted.Append("\\\""),
                '\\' => quoted.Append("\\\\"),
                < ' ' or '\x7f' => quoted.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('"').ToString();
    }

    private static string Word<T>((string Word, T Value)[] table, T value) where T : struct, Enum =>
        Array.Find(table, e => EqualityComparer<T>.Default.Equals(e.Value, value)).Word;

    private static bool TryFind<T>((string Word, T Value)[] table, string word, out T value) where T : struct, Enum
    {
        foreach ((string w, T v) in table)
        {
            if (w == word)
            {
                value = v;
                return true;
            }
        }

        value = default;
        return false;
    }
}
