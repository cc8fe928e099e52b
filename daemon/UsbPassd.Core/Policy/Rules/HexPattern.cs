using System.Globalization;

namespace UsbPassd.Policy;

/// <summary>
/// The text form of a hex <see cref="RuleValue"/>: fixed-width fields joined by ':', each hex or
/// <c>*</c>. A <c>*</c> may only be followed by more <c>*</c> (<c>0529:*</c>, <c>08:*:*</c>; not
/// <c>*:0001</c>), as in USBGuard: a product id means nothing without its vendor.
/// </summary>
internal readonly record struct HexPattern(int Fields, int Digits)
{
    /// <summary><c>VVVV:PPPP</c>.</summary>
    public static HexPattern Id { get; } = new(2, 4);

    /// <summary><c>CC:SS:PP</c> (class, subclass, protocol).</summary>
    public static HexPattern Interface { get; } = new(3, 2);

    private int Bits => Digits * 4;

    public bool TryParse(ReadOnlySpan<char> text, out RuleValue value)
    {
        value = default;
        uint bits = 0, mask = 0;
        int field = 0;
        bool wildcard = false;
        foreach (Range r in text.Split(':'))
        {
            ReadOnlySpan<char> part = text[r];
            if (++field > Fields)
            {
                return false;
            }

            bits <<= Bits;
            mask <<= Bits;
            if (part is "*")
            {
                wildcard = true;
                continue;
            }

            if (wildcard || part.Length != Digits || !uint.TryParse(part, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint v))
            {
                return false;
            }

            bits |= v;
            mask |= (1u << Bits) - 1;
        }

        value = new RuleValue(bits, mask, null);
        return field == Fields;
    }

    public string Format(RuleValue value)
    {
        var parts = new string[Fields];
        uint fieldMask = (1u << Bits) - 1;
        for (int i = 0; i < Fields; i++)
        {
            int shift = (Fields - 1 - i) * Bits;
            parts[i] = ((value.Mask >> shift) & fieldMask) == 0
                ? "*"
                : ((value.Bits >> shift) & fieldMask).ToString("x" + Digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        }

        return string.Join(':', parts);
    }
}
