namespace UsbPassd.Policy;

internal enum RuleTokenKind
{
    End,
    Word,
    String,
    OpenBrace,
    CloseBrace,
}

/// <summary>One token of a rule line: its 1-based column, and its text (a string's decoded value).</summary>
internal readonly record struct RuleToken(RuleTokenKind Kind, int Column, string Text)
{
    private const int MaxShown = 40;

    /// <summary>The token as an error message names it after "found".</summary>
    public string Shown => Kind switch
    {
        RuleTokenKind.End => "the end of the line",
        RuleTokenKind.String => Shorten(RuleSyntax.Quote(Text)),
        _ => $"'{Shorten(Text)}'",
    };

    private static string Shorten(string text) => text.Length <= MaxShown ? text : string.Concat(text.AsSpan(0, MaxShown), "…");
}
