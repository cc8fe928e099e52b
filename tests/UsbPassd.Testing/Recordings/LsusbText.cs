using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace UsbPassd.Testing.Recordings;

/// <summary>
/// Readers for lsusb's text dumps (<c>lsusb</c>, <c>lsusb -v</c>, <c>lsusb -t</c>, <c>lsusb -tv</c>).
/// They do not carry everything sysfs has: where a dump has no port, the device is placed at port
/// <c>B-devnum</c>; where it has no device class, 00 (per interface) is written, or 09 for a hub.
/// </summary>
public static partial class LsusbText
{
    [GeneratedRegex(@"^Bus (\d{3}) Device (\d{3}): ID ([0-9a-f]{4}):([0-9a-f]{4})")]
    private static partial Regex BusLine();

    [GeneratedRegex(@"^\s+(i(?:Manufacturer|Product|Serial))\s+(\d+)(?: (.*))?$")]
    private static partial Regex StringLine();

    [GeneratedRegex(@"^\s+(\w+)\s+(\S+)")]
    private static partial Regex FieldLine();

    [GeneratedRegex(@"^(\s*)(?:/:\s+Bus (\d{3})\.Port \d{3}|\|__ Port (\d{3})): Dev (\d{3}), (?:If (\d+), )?Class=([^,]*), Driver=[^,]*, ([\d.]+)M")]
    private static partial Regex TreeLine();

    [GeneratedRegex(@"^\s+ID ([0-9a-f]{4}):([0-9a-f]{4})")]
    private static partial Regex TreeIdLine();

    /// <summary><c>lsusb</c>: one line per device.</summary>
    public static IReadOnlyList<SyntheticUsbDevice> ParseList(string text) =>
        [.. Lines(text).Select(l => BusLine().Match(l)).Where(m => m.Success).Select(m => Place(new SyntheticUsbDevice
        {
            Name = "",
            Bus = int.Parse(m.Groups[1].Value),
            DeviceNumber = int.Parse(m.Groups[2].Value),
            VendorId = m.Groups[3].Value,
            ProductId = m.Groups[4].Value,
        }))];

    /// <summary><c>lsusb -v</c>: the device descriptor and the first configuration's interfaces (alternate setting 0).</summary>
    public static IReadOnlyList<SyntheticUsbDevice> ParseVerbose(string text)
    {
        var devices = new List<SyntheticUsbDevice>();
        SyntheticUsbDevice? current = null;
        var interfaces = new List<SyntheticInterface>();
        Dictionary<string, string> iface = [];
        int configurations = 0;

        void FlushInterface()
        {
            if (iface.TryGetValue("bAlternateSetting", out string? alt) && alt == "0" && configurations == 1)
            {
                interfaces.Add(new SyntheticInterface(int.Parse(iface["bInterfaceNumber"]), Hex2(iface["bInterfaceClass"]), Hex2(iface["bInterfaceSubClass"]), Hex2(iface["bInterfaceProtocol"])));
            }

            iface = [];
        }

        void FlushDevice()
        {
            FlushInterface();
            if (current is not null)
            {
                devices.Add(Place(current with { Interfaces = [.. interfaces] }));
            }

            current = null;
            interfaces = [];
            configurations = 0;
        }

        bool inInterface = false;
        foreach (string line in Lines(text))
        {
            Match bus = BusLine().Match(line);
            if (bus.Success || (line.StartsWith("Device Descriptor:", StringComparison.Ordinal) && current is null))
            {
                FlushDevice();
                current = new SyntheticUsbDevice
                {
                    Name = "",
                    Bus = bus.Success ? int.Parse(bus.Groups[1].Value) : 1,
                    DeviceNumber = bus.Success ? int.Parse(bus.Groups[2].Value) : devices.Count + 2,
                };
                inInterface = false;
                continue;
            }

            if (current is null)
            {
                continue;
            }

            string trimmed = line.TrimStart();
            if (trimmed.StartsWith("Configuration Descriptor:", StringComparison.Ordinal))
            {
                FlushInterface();
                configurations++;
                inInterface = false;
                continue;
            }

            if (trimmed.StartsWith("Interface Descriptor:", StringComparison.Ordinal))
            {
                FlushInterface();
                inInterface = true;
                continue;
            }

            Match str = StringLine().Match(line);
            if (str.Success && !inInterface && configurations == 0)
            {
                string? value = str.Groups[2].Value == "0" ? null : str.Groups[3].Value;
                current = str.Groups[1].Value switch
                {
                    "iManufacturer" => current with { Manufacturer = value },
                    "iProduct" => current with { Product = value },
                    _ => current with { Serial = value },
                };
                continue;
            }

            Match field = FieldLine().Match(line);
            if (!field.Success)
            {
                continue;
            }

            string key = field.Groups[1].Value, v = field.Groups[2].Value;
            if (inInterface)
            {
                iface[key] = v;
            }
            else if (configurations == 0)
            {
                current = key switch
                {
                    "idVendor" => current with { VendorId = v[2..].ToLowerInvariant() },
                    "idProduct" => current with { ProductId = v[2..].ToLowerInvariant() },
                    "bcdDevice" => current with { BcdDevice = v.Replace(".", "", StringComparison.Ordinal) },
                    "bDeviceClass" => current with { DeviceClass = Hex2(v) },
                    _ => current,
                };
            }
        }

        FlushDevice();
        return devices;
    }

    /// <summary><c>lsusb -t</c> and <c>lsusb -tv</c>: the topology, one line per interface.</summary>
    public static IReadOnlyList<SyntheticUsbDevice> ParseTree(string text)
    {
        var devices = new List<SyntheticUsbDevice>();
        var byPort = new Dictionary<string, int>();
        var chain = new List<(int Indent, string Port)>();
        int bus = 0;
        string? last = null;
        foreach (string line in Lines(text))
        {
            Match m = TreeLine().Match(line);
            if (m.Success)
            {
                int indent = m.Groups[1].Length;
                string className = m.Groups[6].Value;
                string speed = m.Groups[7].Value;
                int devnum = int.Parse(m.Groups[4].Value);
                string name;
                if (m.Groups[2].Success)
                {
                    bus = int.Parse(m.Groups[2].Value);
                    name = $"usb{bus}";
                    chain.Clear();
                }
                else
                {
                    while (chain.Count > 0 && chain[^1].Indent >= indent)
                    {
                        chain.RemoveAt(chain.Count - 1);
                    }

                    string portNumber = int.Parse(m.Groups[3].Value).ToString(CultureInfo.InvariantCulture);
                    string parent = chain.Count == 0 ? "" : chain[^1].Port;
                    name = parent.Length == 0 || parent.StartsWith("usb", StringComparison.Ordinal) ? $"{bus}-{portNumber}" : $"{parent}.{portNumber}";
                }

                if (!byPort.TryGetValue(name, out int index))
                {
                    index = devices.Count;
                    byPort[name] = index;
                    devices.Add(new SyntheticUsbDevice
                    {
                        Name = name,
                        Bus = bus,
                        DeviceNumber = devnum,
                        Speed = speed,
                        DeviceClass = className == "root_hub" ? "09" : "00",
                    });
                }

                chain.Add((indent, name));

                if (m.Groups[5].Success)
                {
                    SyntheticUsbDevice d = devices[index];
                    string cls = ClassCode(className);
                    devices[index] = d with
                    {
                        Interfaces = [.. d.Interfaces, new SyntheticInterface(int.Parse(m.Groups[5].Value), cls)],
                        DeviceClass = cls == "09" ? "09" : d.DeviceClass,
                    };
                }

                last = name;
                continue;
            }

            if (last is null)
            {
                continue;
            }

            int at = byPort[last];
            Match id = TreeIdLine().Match(line);
            if (id.Success)
            {
                devices[at] = devices[at] with { VendorId = id.Groups[1].Value, ProductId = id.Groups[2].Value };
            }
            else if (line.TrimStart().StartsWith("Manufacturer=", StringComparison.Ordinal))
            {
                string s = line.TrimStart()["Manufacturer=".Length..];
                int p = s.LastIndexOf(" Product=", StringComparison.Ordinal), q = s.LastIndexOf(" Serial=", StringComparison.Ordinal);
                devices[at] = devices[at] with
                {
                    Manufacturer = s[..p],
                    Product = s[(p + 9)..q],
                    Serial = s[(q + 8)..],
                };
            }
        }

        // Interfaces of one device appear in the order lsusb printed them; order them by number.
        return [.. devices.Select(d => d with { Interfaces = [.. d.Interfaces.OrderBy(i => i.Number)] })];
    }

    private static SyntheticUsbDevice Place(SyntheticUsbDevice d)
    {
        bool root = d.VendorId == "1d6b" && d.DeviceNumber == 1;
        return d with
        {
            Name = root ? $"usb{d.Bus}" : $"{d.Bus}-{d.DeviceNumber}",
            DeviceClass = d.DeviceClass ?? (root ? "09" : "00"),
        };
    }

    private static string Hex2(string number) =>
        number.StartsWith("0x", StringComparison.Ordinal) ? number[2..].ToLowerInvariant() : int.Parse(number).ToString("x2");

    private static string ClassCode(string name) => name switch
    {
        "Audio" => "01",
        "Communications" => "02",
        "Human Interface Device" => "03",
        "Printer" => "07",
        "Mass Storage" => "08",
        "Hub" => "09",
        "CDC Data" => "0a",
        "Chip/SmartCard" => "0b",
        "Video" => "0e",
        "Wireless" => "e0",
        "Miscellaneous Device" => "ef",
        "Application Specific Interface" => "fe",
        "Vendor Specific Class" => "ff",
        _ => throw new FormatException($"unknown lsusb class name '{name}'"),
    };

    private static IEnumerable<string> Lines(string text) => text.Split('\n').Select(l => l.TrimEnd('\r'));

    /// <summary>Decodes a dump's bytes; lsusb prints device strings raw, so invalid UTF-8 is replaced.</summary>
    public static string Read(string file) => Encoding.UTF8.GetString(File.ReadAllBytes(file));
}
