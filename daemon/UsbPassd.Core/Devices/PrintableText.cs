using System.Text;

namespace UsbPassd.Devices;

/// <summary>
/// What text from a device looks like when a person reads it: usbpassctl's tables and messages and
/// usbpassd's log lines. Device strings come from firmware (a dev_id is <c>vvvv:pppp:serial</c>, the
/// serial as the device sent it, see <see cref="DeviceIdentity"/>), so a serial with
/// <c>ESC ] 0; … BEL</c>, CR or LF could retitle a terminal, move its cursor or forge a line of its
/// own in a log. Control characters (C0, DEL and C1, CSI U+009B included) become <c>\xHH</c>, and the
/// bidi controls and line separators that reorder or break what is shown become <c>\uHHHH</c>; the
/// rest, non-ASCII letters included, is kept. The escapes are for the eyes: a backslash is not
/// doubled, so <c>\x1b</c> may also be four characters of the serial (as the <c>\xHH</c> of bytes that
/// are not UTF-8 already are); the registry, the RPC answers and <c>--json</c> keep the exact strings.
/// </summary>
public static class PrintableText
{
    /// <summary>One line: newlines are escaped too.</summary>
    public static string Line(string text) => Escape(text, IsUnsafe, Visible);

    /// <summary>Text of several lines (the policy, the metrics): the newlines kept, the rest as <see cref="Line"/>.</summary>
    public static string Lines(string text) => Escape(text, c => c != '\n' && IsUnsafe(c), Visible);

    /// <summary>Whether <paramref name="c"/> is escaped in a line: a control, a bidi control or a line separator.</summary>
    public static bool IsUnsafe(char c) =>
        char.IsControl(c) // C0, DEL and C1
        || c is '\u061c' or '\u200e' or '\u200f' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069') // bidi
        || c is '\u2028' or '\u2029'; // line and paragraph separators

    /// <summary>Replaces each character <paramref name="escaped"/> selects with <paramref name="escape"/>'s text; the same string when none is.</summary>
    public static string Escape(string text, Func<char, bool> escaped, Func<char, string> escape)
    {
        if (!text.Any(escaped))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            _ = escaped(c) ? sb.Append(escape(c)) : sb.Append(c);
        }

        return sb.ToString();
    }

    private static string Visible(char c) => c <= '\u00ff' ? $"\\x{(int)c:x2}" : $"\\u{(int)c:x4}";
}
