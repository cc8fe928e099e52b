namespace UsbPassd.Testing.Recordings;

/// <summary>g_strcompress(): undoes the escapes umockdev-record writes into <c>A:</c> values.</summary>
public static class GLibEscapes
{
    public static byte[] Compress(ReadOnlySpan<byte> s)
    {
        var output = new List<byte>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != (byte)'\\' || i + 1 >= s.Length)
            {
                output.Add(s[i]);
                continue;
            }

            byte c = s[++i];
            if (c is >= (byte)'0' and <= (byte)'7')
            {
                int value = 0, digits = 0;
                while (digits < 3 && i < s.Length && s[i] is >= (byte)'0' and <= (byte)'7')
                {
                    value = (value * 8) + (s[i++] - '0');
                    digits++;
                }

                i--;
                output.Add((byte)value);
                continue;
            }

            output.Add(c switch
            {
                (byte)'b' => (byte)'\b',
                (byte)'f' => (byte)'\f',
                (byte)'n' => (byte)'\n',
                (byte)'r' => (byte)'\r',
                (byte)'t' => (byte)'\t',
                (byte)'v' => (byte)'\v',
                _ => c,
            });
        }

        return [.. output];
    }
}
