using UsbPassd.Devices;

namespace UsbPassd.Policy;

/// <summary>One attribute test of a rule: <c>with-interface one-of { 03:01:01 03:00:00 }</c>.</summary>
internal sealed record RuleCondition(RuleAttribute Attribute, SetOperator Operator, IReadOnlyList<RuleValue> Values)
{
    public bool Matches(UsbDevice device)
    {
        RuleValue[] actual = DeviceValues(device);
        return Operator switch
        {
            SetOperator.OneOf => actual.Any(MatchedByAny),
            SetOperator.AllOf => Values.All(v => actual.Any(v.Matches)),
            SetOperator.NoneOf => !actual.Any(MatchedByAny),
            SetOperator.Equal => Values.All(v => actual.Any(v.Matches)) && actual.All(MatchedByAny),
            SetOperator.EqualOrdered => actual.Length == Values.Count && Values.Zip(actual).All(p => p.First.Matches(p.Second)),
            // A device without values passes no "match-all": vacuous truth would let an interface-less device through an allow.
            _ => actual.Length > 0 && actual.All(MatchedByAny),
        };
    }

    public bool Equals(RuleCondition? other) =>
        other is not null && Attribute == other.Attribute && Operator == other.Operator && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(Attribute, Operator, Values.Count);

    /// <summary>The condition as the rule language writes it; a single <c>equals</c> value is written bare.</summary>
    public override string ToString()
    {
        string keyword = RuleSyntax.Keyword(Attribute);
        if (Operator == SetOperator.Equal && Values.Count == 1)
        {
            return $"{keyword} {Format(Values[0])}";
        }

        string op = Operator == SetOperator.Equal ? string.Empty : RuleSyntax.Keyword(Operator) + " ";
        return $"{keyword} {op}{{ {string.Join(' ', Values.Select(Format))} }}";
    }

    private bool MatchedByAny(RuleValue actual) => Values.Any(v => v.Matches(actual));

    private string Format(RuleValue value) => Attribute switch
    {
        RuleAttribute.Id => HexPattern.Id.Format(value),
        RuleAttribute.WithInterface => HexPattern.Interface.Format(value),
        _ => RuleSyntax.Quote(value.Text ?? string.Empty),
    };

    private RuleValue[] DeviceValues(UsbDevice device) => Attribute switch
    {
        RuleAttribute.Id => [RuleValue.OfBits(((uint)device.VendorId << 16) | device.ProductId)],
        RuleAttribute.Serial => device.Serial is null ? [] : [RuleValue.OfText(device.Serial)],
        RuleAttribute.Name => device.Product is null ? [] : [RuleValue.OfText(device.Product)],
        RuleAttribute.ViaPort => [RuleValue.OfText(device.PortId)],
        _ => [.. device.Interfaces.Select(i => RuleValue.OfBits(((uint)i.Class << 16) | ((uint)i.SubClass << 8) | i.Protocol))],
    };
}
