using System.Text;
using UsbPassd.Devices;

namespace UsbPassd.Policy;

/// <summary>
/// Parsers for the /proc tables the storage checks read. Pure; a line that does not fit its format is
/// skipped (the kernel writes these, a future field must not make the daemon blind to the rest).
/// </summary>
internal static class ProcTables
{
    /// <summary>
    /// <c>/proc/PID/mountinfo</c> (proc(5)): <c>id parent MAJ:MIN root mountpoint options [optional…] - fstype source superoptions</c>.
    /// </summary>
    public static List<MountEntry> ParseMountInfo(string text)
    {
        var mounts = new List<MountEntry>();
        foreach (string[] fields in Lines(text))
        {
            int separator = fields.Length > 6 ? Array.IndexOf(fields, "-", 6) : -1;
            if (separator > 0 && fields.Length > separator + 2)
            {
                mounts.Add(new MountEntry(fields[2], Unescape(fields[separator + 2]), Unescape(fields[4])));
            }
        }

        return mounts;
    }

    /// <summary><c>/proc/mounts</c> (fstab(5) format): <c>source mountpoint fstype options dump pass</c>.</summary>
    public static List<MountEntry> ParseMounts(string text) =>
        [.. Lines(text).Where(f => f.Length >= 3).Select(f => new MountEntry(null, Unescape(f[0]), Unescape(f[1])))];

    /// <summary><c>/proc/swaps</c>: a header line, then <c>filename type size used priority</c>.</summary>
    public static HashSet<string> ParseSwaps(string text) =>
        [.. Lines(text).Skip(1).Where(f => f.Length >= 2).Select(f => Unescape(f[0]))];

    /// <summary>
    /// The kernel writes space, tab, newline and backslash in paths as octal escapes (<c>\040</c>);
    /// anything else after a backslash is kept as it is.
    /// </summary>
    public static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        byte[] raw = Encoding.UTF8.GetBytes(field);
        var bytes = new List<byte>(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\\' && i + 3 < raw.Length && IsOctal(raw[i + 1]) && IsOctal(raw[i + 2]) && IsOctal(raw[i + 3]))
            {
                bytes.Add((byte)(((raw[i + 1] - '0') << 6) | ((raw[i + 2] - '0') << 3) | (raw[i + 3] - '0')));
                i += 3;
            }
            else
            {
                bytes.Add(raw[i]);
            }
        }

        return SysfsText.DecodeExact(bytes.ToArray());
    }

    private static bool IsOctal(byte c) => c is >= (byte)'0' and <= (byte)'7';

    private static IEnumerable<string[]> Lines(string text) =>
        text.Split('\n').Select(line => line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length > 0);
}
