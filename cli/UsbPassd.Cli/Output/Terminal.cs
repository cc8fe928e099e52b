using System.Text;

namespace UsbPassd.Cli.Output;

/// <summary>
/// Every text usbpassctl prints for people goes through here: device strings come from firmware and
/// the daemon's words quote them (a dev_id is <c>vvvv:pppp:serial</c>, the serial as the device sent
/// it), so a serial with <c>ESC ] 0; … BEL</c>, CR or LF could retitle the terminal, move the cursor or
/// forge lines. Control characters (C0, DEL, C1 with CSI U+009B) become <c>\xHH</c>, and the bidi
/// controls and line separators that reorder or break what is shown become <c>\uHHHH</c>; the rest,
/// non-ASCII letters included, is kept. The escapes are for the eyes: a backslash is not doubled, so
/// <c>\x1b</c> may also be four characters of the serial (as the <c>\xHH</c> of bytes that are not
/// UTF-8 already are); <c>--json</c> gives the exact strings.
/// </summary>
internal static class Terminal
{
    /// <summary>One line: newlines are escaped too.</summary>
    public static string Safe(string text) => Escape(text, Unsafe, Visible);

    /// <summary>Text of several lines (the policy, the metrics): the newlines kept, the rest as <see cref="Safe"/>.</summary>
    public static string SafeLines(string text) => Escape(text, c => c != '\n' && Unsafe(c), Visible);

    /// <summary>
    /// Serialized JSON with what <see cref="Safe"/> escapes inside strings written as JSON's own
    /// <c>\uHHHH</c>: the relaxed encoder that keeps non-ASCII readable lets bidi controls through raw.
    /// The encoder escapes every control character in a string, so raw CR, LF and tab are the layout's.
    /// </summary>
    public static string SafeJson(string json) => Escape(json, c => c is not ('\n' or '\r' or '\t') && Unsafe(c), c => $"\\u{(int)c:x4}");

    private static string Visible(char c) => c <= '\u00ff' ? $"\\x{(int)c:x2}" : $"\\u{(int)c:x4}";

    private static string Escape(string text, Func<char, bool> escaped, Func<char, string> escape)
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

    private static bool Unsafe(char c) =>
        char.IsControl(c) // C0, DEL and C1
        || c is '\u061c' or '\u200e' or '\u200f' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069') // bidi
        || c is '\u2028' or '\u2029'; // line and paragraph separators
}
