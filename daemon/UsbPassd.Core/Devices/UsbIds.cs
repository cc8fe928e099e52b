using System.Buffers.Text;

namespace UsbPassd.Devices;

/// <summary>
/// Vendor, product and class names from the usb.ids database (Debian package <c>usb.ids</c>).
/// Only the vendor/product list and the <c>C</c> class section are kept; the other sections
/// (HID usages, languages, ...) are not about identifying a device.
/// </summary>
public sealed class UsbIds
{
    public const string DefaultPath = "/usr/share/misc/usb.ids";

    private readonly Dictionary<ushort, string> _vendors;
    private readonly Dictionary<uint, string> _products;
    private readonly Dictionary<byte, string> _classes;

    private UsbIds(Dictionary<ushort, string> vendors, Dictionary<uint, string> products, Dictionary<byte, string> classes)
    {
        _vendors = vendors;
        _products = products;
        _classes = classes;
    }

    public static UsbIds Empty { get; } = new([], [], []);

    public int VendorCount => _vendors.Count;

    public int ProductCount => _products.Count;

    public string? Vendor(ushort vendorId) => _vendors.GetValueOrDefault(vendorId);

    public string? Product(ushort vendorId, ushort productId) => _products.GetValueOrDefault(Key(vendorId, productId));

    public string? Class(byte classCode) => _classes.GetValueOrDefault(classCode);

    /// <exception cref="IOException">The file cannot be read (the message names it).</exception>
    public static UsbIds Load(string path) => Parse(File.ReadAllBytes(path));

    /// <summary>Parses the file; lines that do not fit the format are skipped, never fatal.</summary>
    public static UsbIds Parse(ReadOnlySpan<byte> text)
    {
        var vendors = new Dictionary<ushort, string>(4096);
        var products = new Dictionary<uint, string>(32768);
        var classes = new Dictionary<byte, string>(64);
        ushort? vendor = null;
        bool inClasses = false;

        while (!text.IsEmpty)
        {
            int eol = text.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = eol < 0 ? text : text[..eol];
            text = eol < 0 ? default : text[(eol + 1)..];
            if (line.IsEmpty || line[0] == (byte)'#')
            {
                continue;
            }

            if (line[0] != (byte)'\t')
            {
                vendor = null;
                if (TryHexField(line, 4, out uint id))
                {
                    if (inClasses)
                    {
                        break; // Vendors come first; a vendor-shaped line after the classes is another section.
                    }

                    vendor = (ushort)id;
                    vendors[(ushort)id] = Name(line[4..]);
                }
                else if (line.Length > 2 && line[0] == (byte)'C' && line[1] == (byte)' ' && TryHexField(line[2..], 2, out uint cls))
                {
                    inClasses = true;
                    classes[(byte)cls] = Name(line[4..]);
                }
                else if (inClasses)
                {
                    break; // AT, HID, R, ... follow the classes and are not needed.
                }

                continue;
            }

            // One tab: a product of the current vendor. Two tabs (interfaces) and class sub-lines are not needed.
            if (vendor is ushort v && line.Length > 1 && line[1] != (byte)'\t' && TryHexField(line[1..], 4, out uint pid))
            {
                products[Key(v, (ushort)pid)] = Name(line[5..]);
            }
        }

        return new UsbIds(vendors, products, classes);
    }

    private static uint Key(ushort vendorId, ushort productId) => ((uint)vendorId << 16) | productId;

    // "xxxx  Name": exactly `digits` hex digits followed by whitespace.
    private static bool TryHexField(ReadOnlySpan<byte> line, int digits, out uint value)
    {
        value = 0;
        return line.Length > digits + 1
            && (line[digits] == (byte)' ' || line[digits] == (byte)'\t')
            && Utf8Parser.TryParse(line[..digits], out value, out int consumed, 'x')
            && consumed == digits;
    }

    private static string Name(ReadOnlySpan<byte> rest) => SysfsText.Decode(rest.Trim(" \t\r"u8));
}
