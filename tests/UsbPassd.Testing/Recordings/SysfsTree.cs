using System.Text;

namespace UsbPassd.Testing.Recordings;

/// <summary>
/// A directory laid out like /sys, built from recordings: device directories with attribute files,
/// symlinks, <c>uevent</c> and <c>subsystem</c>, and the <c>bus/&lt;subsystem&gt;/devices</c> links the
/// kernel makes. Deleted on dispose.
/// </summary>
public sealed class SysfsTree : IDisposable
{
    private readonly string? _deleteOnDispose;

    /// <param name="root">The folder that plays /sys.</param>
    /// <param name="deleteOnDispose">A folder (the root or one above it) removed on dispose; null keeps everything.</param>
    public SysfsTree(string root, string? deleteOnDispose = null)
    {
        Root = Path.GetFullPath(root);
        _deleteOnDispose = deleteOnDispose;
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public static SysfsTree CreateTemporary(string subfolder = "")
    {
        string temp = Directory.CreateTempSubdirectory("usbpassd-sysfs-").FullName;
        return new SysfsTree(Path.Combine(temp, subfolder), deleteOnDispose: temp);
    }

    /// <summary>Writes one device (<paramref name="sysfsPath"/> starts with /devices/).</summary>
    public string AddDevice(
        string sysfsPath,
        string subsystem,
        IEnumerable<KeyValuePair<string, byte[]>> attributes,
        IEnumerable<KeyValuePair<string, string>>? links = null,
        IEnumerable<KeyValuePair<string, string>>? uevent = null)
    {
        string dir = Root + sysfsPath;
        Directory.CreateDirectory(dir);
        foreach ((string name, byte[] value) in attributes)
        {
            string file = Path.Combine(dir, name);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, value);
        }

        foreach ((string name, string target) in links ?? [])
        {
            string link = Path.Combine(dir, name);
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            if (!Path.Exists(link))
            {
                File.CreateSymbolicLink(link, target);
            }
        }

        if (uevent is not null)
        {
            File.WriteAllText(Path.Combine(dir, "uevent"), string.Concat(uevent.Select(kv => $"{kv.Key}={kv.Value}\n")));
        }

        string bus = Path.Combine(Root, "bus", subsystem, "devices");
        Directory.CreateDirectory(bus);
        string name2 = Path.GetFileName(sysfsPath);
        string busLink = Path.Combine(bus, name2);
        if (!Path.Exists(busLink) && !File.Exists(busLink))
        {
            File.CreateSymbolicLink(busLink, Path.GetRelativePath(bus, dir));
        }

        string subsystemLink = Path.Combine(dir, "subsystem");
        if (!Path.Exists(subsystemLink))
        {
            File.CreateSymbolicLink(subsystemLink, Path.GetRelativePath(dir, Path.Combine(Root, "bus", subsystem)));
        }

        return dir;
    }

    /// <summary>Writes a USB device (and its interfaces) that a recording describes only in part.</summary>
    public void AddUsbDevice(SyntheticUsbDevice d, string parentPath = "/devices/corpus")
    {
        string path = $"{parentPath}/{d.Name}";
        var attributes = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        void Text(string name, string? value)
        {
            if (value is not null)
            {
                attributes[name] = Encoding.UTF8.GetBytes(value + "\n");
            }
        }

        Text("idVendor", d.VendorId);
        Text("idProduct", d.ProductId);
        Text("bcdDevice", d.BcdDevice);
        Text("bDeviceClass", d.DeviceClass);
        Text("busnum", d.Bus?.ToString());
        Text("devnum", d.DeviceNumber?.ToString());
        Text("speed", d.Speed);
        Text("manufacturer", d.Manufacturer);
        Text("product", d.Product);
        Text("serial", d.Serial);
        Text("maxchild", d.MaxChild?.ToString());
        if (d.Descriptors is not null)
        {
            attributes["descriptors"] = d.Descriptors;
        }

        AddDevice(path, "usb", attributes, uevent: [new("DEVTYPE", "usb_device")]);
        foreach (SyntheticInterface i in d.Interfaces)
        {
            AddDevice($"{path}/{d.Name}:1.{i.Number}", "usb", new Dictionary<string, byte[]>
            {
                ["bInterfaceNumber"] = Encoding.ASCII.GetBytes($"{i.Number:x2}\n"),
                ["bInterfaceClass"] = Encoding.ASCII.GetBytes($"{i.Class}\n"),
                ["bInterfaceSubClass"] = Encoding.ASCII.GetBytes($"{i.SubClass}\n"),
                ["bInterfaceProtocol"] = Encoding.ASCII.GetBytes($"{i.Protocol}\n"),
            }, uevent: [new("DEVTYPE", "usb_interface")]);
        }
    }

    public void Dispose()
    {
        if (_deleteOnDispose is not null && Directory.Exists(_deleteOnDispose))
        {
            Directory.Delete(_deleteOnDispose, recursive: true);
        }
    }
}

/// <summary>An interface as a recording states it; codes are 2 hex digits.</summary>
public sealed record SyntheticInterface(int Number, string Class, string SubClass = "00", string Protocol = "00");

/// <summary>A USB device from a recording that is not a sysfs capture; null means the recording does not have it.</summary>
public sealed record SyntheticUsbDevice
{
    public required string Name { get; init; }
    public string? VendorId { get; init; }
    public string? ProductId { get; init; }
    public string? BcdDevice { get; init; }
    public string? DeviceClass { get; init; }
    public int? Bus { get; init; }
    public int? DeviceNumber { get; init; }
    public string? Speed { get; init; }
    public string? Manufacturer { get; init; }
    public string? Product { get; init; }
    public string? Serial { get; init; }
    public int? MaxChild { get; init; }
    public byte[]? Descriptors { get; init; }
    public IReadOnlyList<SyntheticInterface> Interfaces { get; init; } = [];
}
