using System.Text;

namespace UsbPassd.Cli.Output;

/// <summary>Device strings come from firmware: control characters must not reach the operator's terminal.</summary>
internal static class Terminal
{
    public static string Safe(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            sb.Append(char.IsControl(c) ? $"\\x{(int)c:x2}" : c);
        }

        return sb.ToString();
    }
}
