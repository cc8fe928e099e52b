using System.Text;

namespace UsbPassd.Uevents;

/// <summary>
/// The recording format for uevents: one datagram per line, <c>kernel|udev BASE64</c>. Lines
/// starting with # are comments. The bytes are exactly what netlink delivered.
/// </summary>
public static class RecordedUevents
{
    public static string Line(UeventGroup group, ReadOnlySpan<byte> datagram) =>
        $"{(group == UeventGroup.Kernel ? "kernel" : "udev")} {Convert.ToBase64String(datagram)}";

    public static IEnumerable<(UeventGroup Group, byte[] Datagram)> Read(TextReader reader)
    {
        int number = 0;
        while (reader.ReadLine() is string line)
        {
            number++;
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            int space = line.IndexOf(' ');
            UeventGroup group = (space < 0 ? "" : line[..space]) switch
            {
                "kernel" => UeventGroup.Kernel,
                "udev" => UeventGroup.Udev,
                _ => throw new FormatException($"line {number}: expected 'kernel BASE64' or 'udev BASE64'"),
            };
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(line[(space + 1)..]);
            }
            catch (FormatException)
            {
                throw new FormatException($"line {number}: not base64");
            }

            yield return (group, bytes);
        }
    }

    /// <summary>Builds a kernel-format datagram (tests, benchmarks, fixtures).</summary>
    public static byte[] KernelDatagram(string action, string devPath, params (string Key, string Value)[] properties)
    {
        var text = new StringBuilder($"{action}@{devPath}\0ACTION={action}\0DEVPATH={devPath}\0");
        foreach ((string key, string value) in properties)
        {
            text.Append(key).Append('=').Append(value).Append('\0');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
