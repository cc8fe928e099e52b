using System.Text;
using UsbPassd.Devices;
using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;

namespace UsbPassd.Tests.Unit.Devices;

/// <summary>A damaged tree: each broken entry is reported once and the rest is still listed.</summary>
public sealed class SysfsScannerBadInputTests : IDisposable
{
    private readonly SysfsTree _tree = SysfsTree.CreateTemporary();

    public void Dispose() => _tree.Dispose();

    private void Add(string name, params (string Name, string Value)[] attributes) =>
        _tree.AddDevice($"/devices/pci0000:00/usb1/{name}", "usb", attributes.Select(a => new KeyValuePair<string, byte[]>(a.Name, Encoding.Latin1.GetBytes(a.Value))));

    private static (string, string)[] Good(int devnum, params (string, string)[] more) =>
        [("idVendor", "46f4\n"), ("idProduct", "0001\n"), ("bDeviceClass", "00\n"), ("busnum", "1\n"), ("devnum", $"{devnum}\n"), .. more];

    [Fact]
    public void Broken_entries_are_skipped_with_a_reason_and_the_rest_is_listed()
    {
        Add("1-1", Good(2, ("serial", "OK\n")));
        Add("1-2", [("idProduct", "0001\n"), ("bDeviceClass", "00\n"), ("busnum", "1\n"), ("devnum", "3\n")]);
        Add("1-3", Good(4, ("idVendor", "zz12\n")));
        Add("1-4", Good(5, ("busnum", "-1\n")));
        Add("1-5", Good(6, ("bDeviceClass", "123\n")));
        Add("1-6", Good(7, ("serial", "S\xff\xfeN\n"), ("speed", "fast\n"), ("maxchild", "x\n"), ("descriptors", "\x01\x02")));
        string devices = Path.Combine(_tree.Root, "bus/usb/devices");
        File.CreateSymbolicLink(Path.Combine(devices, "1-7"), "../../../devices/nowhere/1-7");
        File.WriteAllText(Path.Combine(devices, "1-8"), "not a directory");
        Directory.CreateDirectory(Path.Combine(devices, "garbage"));

        DeviceScan scan = new SysfsScanner(_tree.Root).Scan();

        Assert.Equal(["1-1", "1-6"], scan.Devices.Select(d => d.PortId).Order());
        var problems = scan.Skipped.ToDictionary(p => p.Entry, p => p.Reason);
        Assert.Equal("idVendor is missing; skipped", problems["1-2"]);
        Assert.Equal("idVendor is 'zz12', expected 4 hex digits; skipped", problems["1-3"]);
        Assert.Contains("busnum is '-1'", problems["1-4"]);
        Assert.Contains("bDeviceClass is '123'", problems["1-5"]);
        Assert.Contains("dangling link", problems["1-7"]);
        Assert.Contains("not a directory", problems["1-8"]);
        Assert.Contains("not a USB device name", problems["garbage"]);

        UsbDevice odd = scan.Devices.Single(d => d.PortId == "1-6");
        Assert.Equal("S\\xff\\xfeN", odd.Serial);
        Assert.Equal("fast", odd.Speed);
        Assert.Null(SysfsValues.SpeedMbps(odd.Speed));
        Assert.Null(odd.MaxChild);
        Assert.Empty(odd.Interfaces);
    }

    [Fact]
    public void A_device_descriptor_longer_than_its_data_costs_only_the_interfaces_from_it()
    {
        Add("1-1", Good(2));
        byte[] blob = [.. CorpusDescriptors.Blobs.First(b => b.Length is > 18 and < 0xff)];
        blob[0] = 0xff; // bLength 255 in a blob of fewer bytes: the daemon aborted at start on this
        _tree.AddDevice("/devices/pci0000:00/usb1/1-2", "usb", [.. Good(3).Select(a => new KeyValuePair<string, byte[]>(a.Item1, Encoding.Latin1.GetBytes(a.Item2))), new("descriptors", blob)]);
        _tree.AddDevice("/devices/pci0000:00/usb1/1-2/1-2:1.0", "usb", [new("bInterfaceClass", "0b\n"u8.ToArray())]);

        DeviceScan scan = new SysfsScanner(_tree.Root).Scan();

        Assert.Empty(scan.Skipped);
        Assert.Equal(["1-1", "1-2"], scan.Devices.Select(d => d.PortId).Order());
        Assert.Equal([new UsbInterface(0, 0x0b, 0, 0)], scan.Devices.Single(d => d.PortId == "1-2").Interfaces);
    }

    [Fact]
    public void Absent_and_empty_strings_stay_different()
    {
        Add("1-1", Good(2, ("manufacturer", "\n"), ("product", "")));

        UsbDevice d = Assert.Single(new SysfsScanner(_tree.Root).Scan().Devices);

        Assert.Equal("", d.Manufacturer);
        Assert.Equal("", d.Product);
        Assert.Null(d.Serial);
    }

    [Fact]
    public void A_tree_without_usb_says_so()
    {
        DeviceScan scan = new SysfsScanner(_tree.Root).Scan();
        Assert.False(scan.BusPresent);
        Assert.Empty(scan.Devices);
    }

    [Fact]
    public void Interfaces_fall_back_to_the_interface_directories()
    {
        Add("1-1", Good(2));
        _tree.AddDevice("/devices/pci0000:00/usb1/1-1/1-1:1.1", "usb", [new("bInterfaceClass", "0b\n"u8.ToArray())]);
        _tree.AddDevice("/devices/pci0000:00/usb1/1-1/1-1:1.0", "usb", [new("bInterfaceClass", "03\n"u8.ToArray()), new("bInterfaceSubClass", "01\n"u8.ToArray()), new("bInterfaceProtocol", "01\n"u8.ToArray())]);

        UsbDevice d = Assert.Single(new SysfsScanner(_tree.Root).Scan().Devices);

        Assert.Equal([new UsbInterface(0, 0x03, 1, 1), new UsbInterface(1, 0x0b, 0, 0)], d.Interfaces);
        Assert.Equal("/devices/pci0000:00/usb1/1-1", d.SysfsPath);
    }
}
