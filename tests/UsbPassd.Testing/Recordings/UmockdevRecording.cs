using System.Text;

namespace UsbPassd.Testing.Recordings;

/// <summary>One paragraph of a umockdev description: a sysfs device with its attributes.</summary>
public sealed record UmockdevDevice(
    string SysfsPath,
    IReadOnlyList<KeyValuePair<string, string>> Properties,
    IReadOnlyDictionary<string, byte[]> Attributes,
    IReadOnlyDictionary<string, string> Links)
{
    public string? Property(string key) => Properties.FirstOrDefault(p => p.Key == key).Value;
}

/// <summary>
/// Parser for umockdev-record's text format (see corpus/FORMAT.md section 1): the same grammar as
/// umockdev's reader, including its errors for malformed lines.
/// </summary>
public static class UmockdevRecording
{
    public static IReadOnlyList<UmockdevDevice> Parse(ReadOnlySpan<byte> text)
    {
        var devices = new List<UmockdevDevice>();
        Builder? current = null;
        int lineNumber = 0;
        foreach (Range r in text.Split((byte)'\n'))
        {
            lineNumber++;
            ReadOnlySpan<byte> line = text[r];
            if (line.IsEmpty)
            {
                if (current is not null)
                {
                    devices.Add(current.Build(lineNumber));
                }

                current = null;
                continue;
            }

            if (line.Length < 3 || line[1] != (byte)':' || line[2] != (byte)' ')
            {
                throw new FormatException($"line {lineNumber}: malformed attribute or property line");
            }

            ReadOnlySpan<byte> payload = line[3..];
            char tag = (char)line[0];
            if (tag == 'P')
            {
                if (current is not null)
                {
                    throw new FormatException($"line {lineNumber}: a second P: line in one paragraph");
                }

                string path = Encoding.UTF8.GetString(payload);
                current = path.StartsWith("/devices/", StringComparison.Ordinal)
                    ? new Builder(path)
                    : throw new FormatException($"line {lineNumber}: P: must start with /devices/");
                continue;
            }

            if (current is null)
            {
                throw new FormatException($"line {lineNumber}: a paragraph must begin with P:");
            }

            switch (tag)
            {
                case 'N' or 'S':
                    break;
                case 'E' or 'A' or 'H' or 'L':
                    int eq = payload.IndexOf((byte)'=');
                    if (eq <= 0)
                    {
                        throw new FormatException($"line {lineNumber}: {tag}: line without key=value");
                    }

                    string key = Encoding.UTF8.GetString(payload[..eq]);
                    ReadOnlySpan<byte> value = payload[(eq + 1)..];
                    switch (tag)
                    {
                        case 'E':
                            current.Properties.Add(new(key, Encoding.UTF8.GetString(value)));
                            break;
                        case 'A':
                            current.Attributes[key] = GLibEscapes.Compress(value);
                            break;
                        case 'H':
                            current.Attributes[key] = value.Length % 2 == 0
                                ? Convert.FromHexString(Encoding.ASCII.GetString(value))
                                : throw new FormatException($"line {lineNumber}: odd number of hex digits");
                            break;
                        default:
                            current.Links[key] = Encoding.UTF8.GetString(value);
                            break;
                    }

                    break;
                default:
                    throw new FormatException($"line {lineNumber}: malformed attribute or property line (tag {tag})");
            }
        }

        if (current is not null)
        {
            devices.Add(current.Build(lineNumber));
        }

        return devices;
    }

    private sealed class Builder(string path)
    {
        public List<KeyValuePair<string, string>> Properties { get; } = [];
        public Dictionary<string, byte[]> Attributes { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Links { get; } = new(StringComparer.Ordinal);

        public UmockdevDevice Build(int lineNumber)
        {
            int subsystems = Properties.Count(p => p.Key == "SUBSYSTEM");
            return subsystems == 1
                ? new UmockdevDevice(path, Properties, Attributes, Links)
                : throw new FormatException($"paragraph ending at line {lineNumber} ({path}) has {subsystems} SUBSYSTEM properties, expected 1");
        }
    }
}
