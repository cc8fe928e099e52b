using System.Text;
using System.Text.Unicode;

namespace UsbPassd.Devices;

/// <summary>
/// Turns the bytes of a sysfs text attribute into a string without losing information:
/// exactly one trailing newline is removed (the kernel's terminator, absent in some recordings),
/// everything else is kept, and bytes that are not UTF-8 become <c>\xHH</c> instead of failing.
/// </summary>
public static class SysfsText
{
    public static ReadOnlySpan<byte> TrimOneNewline(ReadOnlySpan<byte> raw) =>
        raw.Length > 0 && raw[^1] == (byte)'\n' ? raw[..^1] : raw;

    public static string Decode(ReadOnlySpan<byte> raw) => DecodeExact(TrimOneNewline(raw));

    /// <summary>
    /// <see cref="Decode"/> without the newline rule, for bytes that are not a sysfs attribute but must
    /// compare equal to one (a policy rule's <c>serial "\xd0\x89"</c>).
    /// </summary>
    public static string DecodeExact(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return string.Empty;
        }

        if (Utf8.IsValid(value))
        {
            return Encoding.UTF8.GetString(value);
        }

        // Device strings come from firmware; a broken one must still be shown and compared exactly.
        var text = new StringBuilder(value.Length + 8);
        while (!value.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(value, out Rune rune, out int consumed) == System.Buffers.OperationStatus.Done)
            {
                text.Append(rune.ToString());
            }
            else
            {
                foreach (byte b in value[..consumed])
                {
                    text.Append("\\x").Append(b.ToString("x2"));
                }
            }

            value = value[consumed..];
        }

        return text.ToString();
    }
}
