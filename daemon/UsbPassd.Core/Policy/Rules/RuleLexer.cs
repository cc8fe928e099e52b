using System.Runtime.InteropServices;
using System.Text;
using UsbPassd.Devices;

namespace UsbPassd.Policy;

/// <summary>
/// Splits one line of rule text into words, quoted strings and braces. <c>#</c> outside a string
/// starts a comment. Strings take <c>\"</c>, <c>\\</c> and <c>\xHH</c> (a byte); their bytes are
/// decoded the way sysfs strings are (<see cref="SysfsText"/>), so a rule written with the raw bytes
/// of a broken serial matches the device that reports it.
/// </summary>
internal ref struct RuleLexer
{
    private readonly ReadOnlySpan<char> _line;
    private int _position;

    public RuleLexer(ReadOnlySpan<char> line, int lineNumber)
    {
        _line = line;
        LineNumber = lineNumber;
    }

    public int LineNumber { get; }

    /// <summary>The rule's text without its comment and surrounding spaces; complete once <see cref="Next"/> gave End.</summary>
    public readonly string Content => _line[..ContentEnd].Trim().ToString();

    private int ContentEnd { get; set; }

    public RuleToken Next()
    {
        while (_position < _line.Length && char.IsWhiteSpace(_line[_position]))
        {
            _position++;
        }

        int start = _position;
        if (_position == _line.Length || _line[_position] == '#')
        {
            ContentEnd = _position;
            return new RuleToken(RuleTokenKind.End, start + 1, string.Empty);
        }

        switch (_line[_position])
        {
            case '{':
                _position++;
                return new RuleToken(RuleTokenKind.OpenBrace, start + 1, "{");
            case '}':
                _position++;
                return new RuleToken(RuleTokenKind.CloseBrace, start + 1, "}");
            case '"':
                return ReadString();
        }

        while (_position < _line.Length && !IsDelimiter(_line[_position]))
        {
            _position++;
        }

        return new RuleToken(RuleTokenKind.Word, start + 1, _line[start.._position].ToString());
    }

    /// <summary>An error at a column of this line.</summary>
    public readonly PolicyParseException Error(int column, string message) => new(RuleSource.Rules, LineNumber, column, message);

    /// <summary>"expected X, found Y" at the token.</summary>
    public readonly PolicyParseException Expected(string what, RuleToken found) => Error(found.Column, $"expected {what}, found {found.Shown}");

    private static bool IsDelimiter(char c) => char.IsWhiteSpace(c) || c is '{' or '}' or '"' or '#';

    private RuleToken ReadString()
    {
        int open = _position++;
        var bytes = new List<byte>(32);
        Span<byte> utf8 = stackalloc byte[4];
        while (_position < _line.Length)
        {
            char c = _line[_position];
            if (c == '"')
            {
                _position++;
                return new RuleToken(RuleTokenKind.String, open + 1, SysfsText.DecodeExact(CollectionsMarshal.AsSpan(bytes)));
            }

            if (c == '\\')
            {
                bytes.Add(ReadEscape());
                continue;
            }

            // An unpaired surrogate (only possible in a string built in memory) becomes U+FFFD, as UTF-8 would have it.
            Rune.DecodeFromUtf16(_line[_position..], out Rune rune, out int consumed);
            bytes.AddRange(utf8[..rune.EncodeToUtf8(utf8)]);
            _position += consumed;
        }

        throw Error(_position + 1, $"expected '\"' to close the string opened at column {open + 1}, found the end of the line");
    }

    private byte ReadEscape()
    {
        int backslash = _position;
        ReadOnlySpan<char> rest = _line[(backslash + 1)..];
        if (rest.Length > 0 && rest[0] is '"' or '\\')
        {
            _position += 2;
            return (byte)rest[0];
        }

        if (rest.Length >= 3 && rest[0] == 'x' && byte.TryParse(rest[1..3], System.Globalization.NumberStyles.AllowHexSpecifier, null, out byte b))
        {
            _position += 4;
            return b;
        }

        string found = rest.IsEmpty ? "the end of the line" : $"'\\{rest[..(rest[0] == 'x' ? Math.Min(3, rest.Length) : 1)]}'";
        throw Error(backslash + 1, $"expected \\\", \\\\ or \\xHH after a backslash in a string, found {found}");
    }
}
