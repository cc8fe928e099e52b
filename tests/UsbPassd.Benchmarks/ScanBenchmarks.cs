using BenchmarkDotNet.Attributes;
using UsbPassd.Devices;
using UsbPassd.Testing;

namespace UsbPassd.Benchmarks;

/// <summary>
/// Issue 2's goal: a full scan of a 1,000-device host, against the floor of reading the same
/// attribute files with a bare loop of File.ReadAllText.
/// </summary>
[MemoryDiagnoser]
public class ScanBenchmarks
{
    // The attributes SysfsScanner reads for each device (SysfsAttributes), in the same order.
    private static readonly string[] Attributes =
    [
        "idVendor", "idProduct", "bDeviceClass", "busnum", "devnum", "maxchild", "authorized", "devpath", "bcdDevice",
        "bDeviceSubClass", "bDeviceProtocol", "speed", "serial", "manufacturer", "product", "removable", "descriptors",
        "bConfigurationValue",
    ];

    private string _root = "";
    private string[] _files = [];

    [Params(1000)]
    public int Devices { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _root = Directory.CreateTempSubdirectory("usbpassd-bench-").FullName;
        BigTree.Write(_root, Devices);
        string devices = Path.Combine(_root, "bus", "usb", "devices");
        _files = [.. Directory.EnumerateFileSystemEntries(devices)
            .SelectMany(d => Attributes.Select(a => Path.Combine(d, a)))
            .Where(File.Exists)];
        int found = new SysfsScanner(_root).Scan().Devices.Count;
        if (found != Devices)
        {
            throw new InvalidOperationException($"the generated tree has {found} devices, expected {Devices}");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark(Baseline = true, Description = "floor: File.ReadAllText over every attribute")]
    public int ReadAllTextFloor()
    {
        int total = 0;
        foreach (string file in _files)
        {
            total += File.ReadAllText(file).Length;
        }

        return total;
    }

    [Benchmark(Description = "SysfsScanner.Scan")]
    public int Scan() => new SysfsScanner(_root).Scan().Devices.Count;

    [Benchmark(Description = "Scan + identity + eligibility (Inventory.Build)")]
    public int ScanAndIdentify() => Inventory.Build(new SysfsScanner(_root).Scan().Devices, UsbIds.Empty).Count;
}
