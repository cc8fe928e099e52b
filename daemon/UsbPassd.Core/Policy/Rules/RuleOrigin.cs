namespace UsbPassd.Policy;

/// <summary>
/// Where a rule comes from: for <see cref="RuleSource.Rules"/> its 1-based line number, for the JSON
/// lists its 0-based array index, for <see cref="RuleSource.Implicit"/> 0.
/// </summary>
public readonly record struct RuleOrigin(RuleSource Source, int Position)
{
    public override string ToString() => Source switch
    {
        RuleSource.Rules => $"line {Position}",
        RuleSource.BlockList => $"block list [{Position}]",
        RuleSource.AllowList => $"allow list [{Position}]",
        _ => "implicit default",
    };
}
