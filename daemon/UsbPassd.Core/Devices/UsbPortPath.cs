using System.Diagnostics.CodeAnalysis;

namespace UsbPassd.Devices;

/// <summary>
/// Where a USB device is plugged: the kernel's sysfs name, <c>usbB</c> for a root hub or
/// <c>B-P[.P...]</c> for a device (bus, then the 1-based port chain through hubs).
/// </summary>
public readonly record struct UsbPortPath
{
    /// <summary>USB allows at most 7 tiers below the root, i.e. 7 port numbers.</summary>
    public const int MaxDepth = 7;
    public const int MaxPort = 255;
    public const int MaxBus = 999;

    private UsbPortPath(int bus, string ports)
    {
        Bus = bus;
        Ports = ports;
    }

    public int Bus { get; }

    /// <summary>The port chain, e.g. <c>4.1.3</c>; empty for a root hub (sysfs <c>devpath</c> is then <c>0</c>).</summary>
    public string Ports { get; }

    public bool IsRootHub => Ports.Length == 0;

    /// <summary>The sysfs name, which is also the device's <c>port_id</c>.</summary>
    public string Name => IsRootHub ? $"usb{Bus}" : $"{Bus}-{Ports}";

    /// <summary>The hub this device is plugged into; null for a root hub.</summary>
    public UsbPortPath? Parent
    {
        get
        {
            if (IsRootHub)
            {
                return null;
            }

            int dot = Ports.LastIndexOf('.');
            return new UsbPortPath(Bus, dot < 0 ? string.Empty : Ports[..dot]);
        }
    }

    public override string ToString() => Name;

    /// <summary>Parses a device name; interface names (<c>1-2:1.0</c>) and anything else are rejected.</summary>
    public static bool TryParse(ReadOnlySpan<char> name, [NotNullWhen(true)] out UsbPortPath? path)
    {
        path = null;
        if (name.StartsWith("usb"))
        {
            if (!TryParseNumber(name[3..], MaxBus, out int rootBus))
            {
                return false;
            }

            path = new UsbPortPath(rootBus, string.Empty);
            return true;
        }

        int dash = name.IndexOf('-');
        if (dash <= 0 || !TryParseNumber(name[..dash], MaxBus, out int bus))
        {
            return false;
        }

        ReadOnlySpan<char> ports = name[(dash + 1)..];
        int depth = 0;
        foreach (Range part in ports.Split('.'))
        {
            if (++depth > MaxDepth || !TryParseNumber(ports[part], MaxPort, out _))
            {
                return false;
            }
        }

        path = new UsbPortPath(bus, ports.ToString());
        return true;
    }

    public static UsbPortPath Parse(string name) =>
        TryParse(name, out UsbPortPath? path) ? path.Value : throw new FormatException($"'{name}' is not a USB device name (expected usbB or B-P.P...)");

    // Strict decimal without sign, spaces or leading zeros: these names are compared as strings elsewhere.
    private static bool TryParseNumber(ReadOnlySpan<char> text, int max, out int value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 3 || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        foreach (char c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return value >= 1 && value <= max;
    }
}
