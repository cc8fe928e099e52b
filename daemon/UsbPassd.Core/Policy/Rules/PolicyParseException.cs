namespace UsbPassd.Policy;

/// <summary>
/// Policy text that cannot be used, with where and why: <c>line 3, column 14: expected an id like
/// 0529:0001 after 'id', found '05z9'</c>. For the JSON lists the message starts with the list's
/// name (<c>block list, line 1, column 20: …</c>). Nothing of a policy that fails to parse is used.
/// </summary>
public sealed class PolicyParseException : FormatException
{
    public PolicyParseException(RuleSource source, int line, int column, string problem)
        : base(Where(source, line, column) + problem)
    {
        SourceKind = source;
        Line = line;
        Column = column;
        Problem = problem;
    }

    public PolicyParseException() : this(RuleSource.Rules, 0, 0, "the policy cannot be parsed") { }

    public PolicyParseException(string message) : base(message) => Problem = message;

    public PolicyParseException(string message, Exception innerException) : base(message, innerException) => Problem = message;

    /// <summary>Which text the problem is in: the rule text or one of the JSON lists.</summary>
    public RuleSource SourceKind { get; }

    /// <summary>1-based line of the text the problem is in.</summary>
    public int Line { get; }

    /// <summary>1-based column (in characters) where the problem starts.</summary>
    public int Column { get; }

    /// <summary>The message without its location.</summary>
    public string Problem { get; }

    private static string Where(RuleSource source, int line, int column) => source switch
    {
        RuleSource.BlockList => $"block list, line {line}, column {column}: ",
        RuleSource.AllowList => $"allow list, line {line}, column {column}: ",
        _ => $"line {line}, column {column}: ",
    };
}
