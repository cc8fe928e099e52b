using UsbPassd.Devices;

namespace UsbPassd.Cli.Output;

/// <summary>
/// Every text usbpassctl prints for people goes through here, so that a device string (a serial with
/// <c>ESC ] 0; … BEL</c>, CR or LF) can never retitle the terminal, move the cursor or forge lines: the
/// escaping rule is <see cref="PrintableText"/>, the one usbpassd's log lines follow too; <c>--json</c>
/// gives the exact strings.
/// </summary>
internal static class Terminal
{
    /// <summary>One line: newlines are escaped too.</summary>
    public static string Safe(string text) => PrintableText.Line(text);

    /// <summary>Text of several lines (the policy, the metrics): the newlines kept, the rest as <see cref="Safe"/>.</summary>
    public static string SafeLines(string text) => PrintableText.Lines(text);

    /// <summary>
    /// Serialized JSON with what <see cref="Safe"/> escapes inside strings written as JSON's own
    /// <c>\uHHHH</c>: the relaxed encoder that keeps non-ASCII readable lets bidi controls through raw.
    /// The encoder escapes every control character in a string, so raw CR, LF and tab are the layout's.
    /// </summary>
    public static string SafeJson(string json) => PrintableText.Escape(json, c => c is not ('\n' or '\r' or '\t') && PrintableText.IsUnsafe(c), c => $"\\u{(int)c:x4}");
}
