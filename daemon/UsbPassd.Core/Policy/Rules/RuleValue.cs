namespace UsbPassd.Policy;

/// <summary>
/// One value of a rule's set, or of a device's: a hex pattern (id, with-interface) as the bits that
/// must equal under a mask, where a masked-out field is a <c>*</c>; or a string (serial, name,
/// via-port), compared exactly. A device value is a pattern without wildcards.
/// </summary>
internal readonly record struct RuleValue(uint Bits, uint Mask, string? Text)
{
    public static RuleValue OfBits(uint bits) => new(bits, uint.MaxValue, null);

    public static RuleValue OfText(string text) => new(0, 0, text);

    public bool Matches(RuleValue actual) =>
        Text is null ? (actual.Bits & Mask) == Bits : string.Equals(Text, actual.Text, StringComparison.Ordinal);
}
