using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using UsbPassd.Devices;

namespace UsbPassd.Uevents;

/// <summary>
/// Parses the two NETLINK_KOBJECT_UEVENT formats (tech.md §6): the kernel's
/// <c>action@devpath\0KEY=VALUE\0...</c> and udevd's <c>libudev\0</c> header (magic 0xfeedcafe,
/// properties at an offset). Pure and bounded: any byte sequence gives an event or a reason.
/// </summary>
public static class UeventParser
{
    /// <summary>udevd and the kernel never send more (kernel UEVENT_BUFFER_SIZE 2048; udev's monitor buffer 8192).</summary>
    public const int MaxDatagram = 8192;

    public const int MaxProperties = 128;

    private const uint UdevMagic = 0xfeedcafe;
    private const int UdevHeaderMinimum = 40;

    private static ReadOnlySpan<byte> UdevPrefix => "libudev\0"u8;

    public static bool TryParse(ReadOnlySpan<byte> datagram, [NotNullWhen(true)] out Uevent? uevent, [NotNullWhen(false)] out string? error)
    {
        uevent = null;
        if (datagram.Length > MaxDatagram)
        {
            error = $"{datagram.Length} bytes, more than {MaxDatagram}";
            return false;
        }

        return datagram.StartsWith(UdevPrefix)
            ? TryParseUdev(datagram, out uevent, out error)
            : TryParseKernel(datagram, out uevent, out error);
    }

    private static bool TryParseKernel(ReadOnlySpan<byte> datagram, out Uevent? uevent, out string? error)
    {
        uevent = null;
        int end = datagram.IndexOf((byte)0);
        ReadOnlySpan<byte> header = end < 0 ? datagram : datagram[..end];
        int at = header.IndexOf("@/"u8);
        if (at <= 0)
        {
            error = "not a kernel uevent (no action@/devpath header)";
            return false;
        }

        if (!TryParseProperties(end < 0 ? default : datagram[(end + 1)..], out Dictionary<string, string>? properties, out error))
        {
            return false;
        }

        return TryBuild(UeventGroup.Kernel, properties, SysfsText.Decode(header[..at]), SysfsText.Decode(header[(at + 1)..]), out uevent, out error);
    }

    private static bool TryParseUdev(ReadOnlySpan<byte> datagram, out Uevent? uevent, out string? error)
    {
        uevent = null;
        if (datagram.Length < UdevHeaderMinimum)
        {
            error = $"udev message of {datagram.Length} bytes, shorter than its header";
            return false;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]) != UdevMagic)
        {
            error = "udev message with a wrong magic";
            return false;
        }

        // header_size, properties_off and properties_len are in host (little-endian) order.
        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(datagram[16..]);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(datagram[20..]);
        if (offset < UdevHeaderMinimum || offset > datagram.Length || length > datagram.Length - offset)
        {
            error = $"udev message with properties at {offset}+{length} outside its {datagram.Length} bytes";
            return false;
        }

        if (!TryParseProperties(datagram.Slice((int)offset, (int)length), out Dictionary<string, string>? properties, out error))
        {
            return false;
        }

        return TryBuild(UeventGroup.Udev, properties, properties.GetValueOrDefault("ACTION"), properties.GetValueOrDefault("DEVPATH"), out uevent, out error);
    }

    private static bool TryParseProperties(ReadOnlySpan<byte> block, [NotNullWhen(true)] out Dictionary<string, string>? properties, out string? error)
    {
        properties = new Dictionary<string, string>(StringComparer.Ordinal);
        error = null;
        foreach (Range r in block.Split((byte)0))
        {
            ReadOnlySpan<byte> field = block[r];
            if (field.IsEmpty)
            {
                continue;
            }

            int eq = field.IndexOf((byte)'=');
            if (eq <= 0)
            {
                error = "a property without KEY=";
                properties = null;
                return false;
            }

            if (properties.Count == MaxProperties)
            {
                error = $"more than {MaxProperties} properties";
                properties = null;
                return false;
            }

            properties[SysfsText.Decode(field[..eq])] = SysfsText.Decode(field[(eq + 1)..]);
        }

        return true;
    }

    private static bool TryBuild(UeventGroup group, Dictionary<string, string> properties, string? action, string? devPath, out Uevent? uevent, out string? error)
    {
        uevent = null;
        if (string.IsNullOrEmpty(action) || string.IsNullOrEmpty(devPath) || !devPath.StartsWith('/'))
        {
            error = "no ACTION or DEVPATH";
            return false;
        }

        // The devpath is joined to the sysfs root later: it must not climb out of it.
        if (devPath.Contains("/../", StringComparison.Ordinal) || devPath.EndsWith("/..", StringComparison.Ordinal) || devPath.Contains('\0'))
        {
            error = $"DEVPATH '{devPath}' leaves /sys";
            return false;
        }

        if (properties.TryGetValue("ACTION", out string? a) && a != action)
        {
            error = $"header action '{action}' and ACTION '{a}' differ";
            return false;
        }

        error = null;
        uevent = new Uevent(group, action, devPath, properties);
        return true;
    }
}
