using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using UsbPassd.Devices;

namespace UsbPassd.Testing.Recordings;

/// <summary>The corpus's single-device formats, each read into a <see cref="SyntheticUsbDevice"/>.</summary>
public static partial class OtherFormats
{
    [GeneratedRegex(@"^\s*(\w+): ?(.*)$")]
    private static partial Regex KeyValueLine();

    /// <summary>The CCID driver's <c>parse</c> dump: ids, the two strings and the CCID interface.</summary>
    public static SyntheticUsbDevice ParseCcid(string text)
    {
        string? vendor = null, product = null, manufacturerText = null, productText = null;
        int? number = null;
        string? cls = null;
        foreach (string line in text.Split('\n'))
        {
            // "  iManufacturer: %s": the string starts after ": ", spaces and all.
            if (line.StartsWith("  iManufacturer: ", StringComparison.Ordinal) && manufacturerText is null)
            {
                manufacturerText = line["  iManufacturer: ".Length..];
                continue;
            }

            if (line.StartsWith("  iProduct: ", StringComparison.Ordinal) && productText is null)
            {
                productText = line["  iProduct: ".Length..];
                continue;
            }

            Match m = KeyValueLine().Match(line);
            if (!m.Success)
            {
                continue;
            }

            string value = m.Groups[2].Value.Trim();
            switch (m.Groups[1].Value)
            {
                case "idVendor" when vendor is null: vendor = value[2..6].ToLowerInvariant(); break;
                case "idProduct" when product is null: product = value[2..6].ToLowerInvariant(); break;
                case "bInterfaceNumber" when number is null: number = int.Parse(value); break;
                case "bInterfaceClass" when cls is null: cls = value[2..4].ToLowerInvariant(); break;
            }
        }

        return new SyntheticUsbDevice
        {
            Name = "1-1",
            Bus = 1,
            DeviceNumber = 2,
            VendorId = vendor,
            ProductId = product,
            DeviceClass = "00",
            Manufacturer = manufacturerText,
            Product = productText,
            Interfaces = number is int n && cls is not null ? [new SyntheticInterface(n, cls)] : [],
        };
    }

    /// <summary>A raw NETLINK_KOBJECT_UEVENT payload: <c>action@devpath</c> NUL, then KEY=VALUE NUL ...</summary>
    public static SyntheticUsbDevice ParseKernelUevent(ReadOnlySpan<byte> payload)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string field in Encoding.UTF8.GetString(payload).Split('\0', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            int eq = field.IndexOf('=');
            if (eq > 0)
            {
                keys[field[..eq]] = field[(eq + 1)..];
            }
        }

        string[] ids = keys["PRODUCT"].Split('/');
        string[] type = keys["TYPE"].Split('/');
        return new SyntheticUsbDevice
        {
            Name = keys["DEVPATH"][(keys["DEVPATH"].LastIndexOf('/') + 1)..],
            Bus = int.Parse(keys["BUSNUM"]),
            DeviceNumber = int.Parse(keys["DEVNUM"]),
            VendorId = Pad4(ids[0]),
            ProductId = Pad4(ids[1]),
            BcdDevice = Pad4(ids[2]),
            DeviceClass = int.Parse(type[0]).ToString("x2"),
        };
    }

    /// <summary>A raw descriptor blob: what sysfs <c>descriptors</c> holds.</summary>
    public static SyntheticUsbDevice ParseDescriptorBlob(byte[] blob)
    {
        if (!UsbDescriptors.TryParseDevice(blob, out UsbDescriptors.DeviceDescriptor device))
        {
            throw new FormatException("not a device descriptor");
        }

        return new SyntheticUsbDevice
        {
            Name = "1-1",
            Bus = 1,
            DeviceNumber = 2,
            VendorId = device.VendorId.ToString("x4"),
            ProductId = device.ProductId.ToString("x4"),
            BcdDevice = device.BcdDevice.ToString("x4"),
            DeviceClass = device.Class.ToString("x2"),
            Descriptors = blob,
        };
    }

    /// <summary>USBGuard's decoded text view of a descriptor blob.</summary>
    public static SyntheticUsbDevice ParseDecodedDescriptors(string text)
    {
        var device = new Dictionary<string, string>(StringComparer.Ordinal);
        var interfaces = new List<SyntheticInterface>();
        Dictionary<string, string>? current = null;

        void Flush()
        {
            if (current is not null && current["bAlternateSetting"] == "0")
            {
                interfaces.Add(new SyntheticInterface(int.Parse(current["bInterfaceNumber"]), Hex(current["bInterfaceClass"]), Hex(current["bInterfaceSubClass"]), Hex(current["bInterfaceProtocol"])));
            }
        }

        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith("Interface Descriptor:", StringComparison.Ordinal))
            {
                Flush();
                current = new(StringComparer.Ordinal);
                continue;
            }

            if (line.EndsWith("Descriptor:", StringComparison.Ordinal) || line.Contains("Descriptor: type=", StringComparison.Ordinal))
            {
                Flush();
                current = null;
                continue;
            }

            Match m = KeyValueLine().Match(line);
            if (m.Success)
            {
                (current ?? device)[m.Groups[1].Value] = m.Groups[2].Value.Trim();
            }
        }

        Flush();
        return new SyntheticUsbDevice
        {
            Name = "1-1",
            Bus = 1,
            DeviceNumber = 2,
            VendorId = device["idVendor"][2..],
            ProductId = device["idProduct"][2..],
            BcdDevice = device["bcdDevice"][2..],
            DeviceClass = device["bDeviceClass"][2..],
            Interfaces = interfaces,
        };

        static string Hex(string decimalText) => int.Parse(decimalText).ToString("x2");
    }

    /// <summary>fwupd's device-emulation JSON (ids in decimal; bus/devnum inside recorded uevent text).</summary>
    public static SyntheticUsbDevice ParseFwupdJson(string text)
    {
        using JsonDocument doc = JsonDocument.Parse(text);
        JsonElement d = doc.RootElement.GetProperty("UsbDevices")[0];
        int? bus = null, devnum = null;
        foreach (JsonElement e in d.GetProperty("UsbEvents").EnumerateArray())
        {
            string data = e.TryGetProperty("Data", out JsonElement v) ? v.GetString() ?? "" : "";
            foreach (string line in data.Split('\n'))
            {
                if (line.StartsWith("BUSNUM=", StringComparison.Ordinal)) { bus = int.Parse(line[7..], CultureInfo.InvariantCulture); }
                if (line.StartsWith("DEVNUM=", StringComparison.Ordinal)) { devnum = int.Parse(line[7..], CultureInfo.InvariantCulture); }
            }
        }

        return new SyntheticUsbDevice
        {
            Name = d.GetProperty("PlatformId").GetString()!,
            Bus = bus,
            DeviceNumber = devnum,
            VendorId = d.GetProperty("IdVendor").GetInt32().ToString("x4"),
            ProductId = d.GetProperty("IdProduct").GetInt32().ToString("x4"),
            BcdDevice = d.GetProperty("Device").GetInt32().ToString("x4"),
            DeviceClass = d.GetProperty("DeviceClass").GetInt32().ToString("x2"),
            Interfaces = [.. d.GetProperty("UsbInterfaces").EnumerateArray().Select((i, n) => new SyntheticInterface(
                i.TryGetProperty("InterfaceNumber", out JsonElement num) ? num.GetInt32() : n,
                i.GetProperty("InterfaceClass").GetInt32().ToString("x2")))],
        };
    }

    private static string Pad4(string hex) => Convert.ToInt32(hex, 16).ToString("x4");
}
