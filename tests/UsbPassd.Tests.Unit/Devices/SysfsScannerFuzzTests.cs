using System.Text;
using FsCheck;
using FsCheck.Fluent;
using UsbPassd.Devices;
using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;

namespace UsbPassd.Tests.Unit.Devices;

/// <summary>
/// One device whose every attribute the scanner reads is replaced by odd bytes (cut, empty, not
/// UTF-8, far too long, a lying bLength, a directory): the scan never throws, that device is listed
/// or skipped with a reason, and the devices beside it are listed as before.
/// </summary>
public sealed class SysfsScannerFuzzTests : IDisposable
{
    private const string Parent = "/devices/pci0000:00/usb1";
    private const string Victim = "1-3";

    private static readonly byte[] Descriptors = CorpusDescriptors.Blobs.First(b => b.Length > 40);

    // What a healthy device has: every attribute the scanner reads, interfaces' included.
    private static readonly Dictionary<string, byte[]> Healthy = new()
    {
        ["idVendor"] = "46f4\n"u8.ToArray(), ["idProduct"] = "0001\n"u8.ToArray(), ["bcdDevice"] = "0100\n"u8.ToArray(),
        ["bDeviceClass"] = "00\n"u8.ToArray(), ["bDeviceSubClass"] = "00\n"u8.ToArray(), ["bDeviceProtocol"] = "00\n"u8.ToArray(),
        ["bConfigurationValue"] = "1\n"u8.ToArray(), ["busnum"] = "1\n"u8.ToArray(), ["devnum"] = "4\n"u8.ToArray(),
        ["devpath"] = "3\n"u8.ToArray(), ["speed"] = "480\n"u8.ToArray(), ["serial"] = "LICENCE-0042\n"u8.ToArray(),
        ["manufacturer"] = "QEMU\n"u8.ToArray(), ["product"] = "QEMU USB HARDDRIVE\n"u8.ToArray(), ["removable"] = "removable\n"u8.ToArray(),
        ["authorized"] = "1\n"u8.ToArray(), ["maxchild"] = "0\n"u8.ToArray(), ["descriptors"] = Descriptors,
    };

    private static readonly Dictionary<string, byte[]> HealthyInterface = new()
    {
        ["bInterfaceClass"] = "08\n"u8.ToArray(), ["bInterfaceSubClass"] = "06\n"u8.ToArray(), ["bInterfaceProtocol"] = "50\n"u8.ToArray(),
    };

    private readonly SysfsTree _tree = SysfsTree.CreateTemporary();

    public SysfsScannerFuzzTests()
    {
        AddHealthy("1-1", "2", "ONE");
        AddHealthy("1-2", "3", "TWO");
    }

    public void Dispose() => _tree.Dispose();

    [Fact]
    public void A_device_of_odd_bytes_is_listed_or_skipped_and_the_others_are_listed()
    {
        var scanner = new SysfsScanner(_tree.Root);
        WriteVictim(new Dictionary<string, OddValue?>(), new Dictionary<string, OddValue?>());
        DeviceScan before = scanner.Scan();
        Assert.Empty(before.Skipped);
        string[] others = [.. before.Devices.Where(d => d.PortId != Victim).Select(TestDevices.Describe)];
        Assert.Equal(2, others.Length);

        Gen<(Dictionary<string, OddValue?>, Dictionary<string, OddValue?>)> cases =
            from device in OddAttributes(Healthy)
            from iface in OddAttributes(HealthyInterface)
            select (device, iface);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(cases.ToArbitrary(), c =>
        {
            WriteVictim(c.Item1, c.Item2);

            DeviceScan scan = scanner.Scan();

            Assert.Equal(others, scan.Devices.Where(d => d.PortId != Victim).Select(TestDevices.Describe));
            bool listed = scan.Devices.Any(d => d.PortId == Victim);
            ScanProblem? skipped = scan.Skipped.SingleOrDefault(p => p.Entry == Victim);
            Assert.True(listed != (skipped is not null), "the odd device is either listed or skipped");
            Assert.True(skipped is null || skipped.Reason.Length > 0);
            // By DEVPATH (an add event) the interface directories are not read: it may list what the scan skipped.
            Assert.True(scanner.TryReadDevice($"{Parent}/{Victim}", out _, out string? problem) || problem.Length > 0);
            return true;
        }));
    }

    private void AddHealthy(string name, string devnum, string serial)
    {
        var attributes = new Dictionary<string, byte[]>(Healthy)
        {
            ["devnum"] = Encoding.ASCII.GetBytes(devnum + "\n"),
            ["serial"] = Encoding.ASCII.GetBytes(serial + "\n"),
        };
        _tree.AddDevice($"{Parent}/{name}", "usb", attributes);
    }

    private void WriteVictim(Dictionary<string, OddValue?> device, Dictionary<string, OddValue?> iface)
    {
        string dir = _tree.Root + $"{Parent}/{Victim}";
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        _tree.AddDevice($"{Parent}/{Victim}", "usb", []);
        Write(dir, Healthy, device);
        // The interface directories are read when the descriptors are of no use; one has an odd name.
        foreach (string name in (string[])[$"{Victim}:1.0", $"{Victim}:1.x9"])
        {
            _tree.AddDevice($"{Parent}/{Victim}/{name}", "usb", []);
            Write(Path.Combine(dir, name), HealthyInterface, iface);
        }
    }

    private static void Write(string dir, Dictionary<string, byte[]> healthy, Dictionary<string, OddValue?> odd)
    {
        foreach ((string name, byte[] good) in healthy)
        {
            OddValue? value = odd.TryGetValue(name, out OddValue? v) ? v : new OddValue(good, false);
            string path = Path.Combine(dir, name);
            if (value is null)
            {
                continue; // absent
            }

            if (value.Directory)
            {
                Directory.CreateDirectory(path); // read(2) fails with EISDIR
            }
            else
            {
                File.WriteAllBytes(path, value.Bytes);
            }
        }
    }

    /// <summary>For each attribute: kept, or one of the odd values (null: absent).</summary>
    private static Gen<Dictionary<string, OddValue?>> OddAttributes(Dictionary<string, byte[]> healthy) =>
        Gen.CollectToArray(healthy, kv =>
                Gen.Frequency(
                    (3, Gen.Constant<OddValue?>(new OddValue(kv.Value, false))),
                    (2, Odd(kv.Key, kv.Value)))
                .Select(v => (kv.Key, Value: v)))
            .Select(pairs => pairs.ToDictionary(p => p.Key, p => p.Value));

    private static Gen<OddValue?> Odd(string name, byte[] good)
    {
        Gen<byte> anyByte = ArbMap.Default.GeneratorFor<byte>();
        Gen<byte[]> bytes = Gen.OneOf(
            Gen.Constant(Array.Empty<byte>()),
            Gen.Choose(0, good.Length).Select(cut => good[..cut]),
            Gen.ArrayOf(anyByte),
            Gen.Constant<byte[]>([0xff, 0xfe, 0xc3, .. good]),
            Gen.Constant("\x1b]0;owned\x07\r\n\u009b2J"u8.ToArray()),
            Gen.Elements("-1\n", "99999999999\n", " 12 \n", "0x1f\n", "\n\n", "\0\n").Select(Encoding.ASCII.GetBytes),
            Gen.Choose(4097, 9000).Select(n => Enumerable.Repeat((byte)'7', n).ToArray()));
        if (name == "descriptors")
        {
            bytes = Gen.OneOf(
                bytes,
                Gen.Constant<byte[]>([0xff, .. good[1..]]),
                Gen.Choose(1, good.Length).Select(cut => (byte[])[0xff, .. good[1..cut]]),
                DescriptorGen.Soup,
                DescriptorGen.DamagedCorpusBlob,
                Gen.Constant<byte[]>([.. good, .. new byte[70000]]));
        }

        return Gen.Frequency(
            (1, Gen.Constant<OddValue?>(null)),
            (1, Gen.Constant<OddValue?>(new OddValue([], Directory: true))),
            (8, bytes.Select(b => (OddValue?)new OddValue(b, false))));
    }

    private sealed record OddValue(byte[] Bytes, bool Directory)
    {
        public override string ToString() =>
            Directory ? "(a directory)" : $"{Convert.ToHexString(Bytes[..Math.Min(Bytes.Length, 24)])}{(Bytes.Length > 24 ? "…" : "")} ({Bytes.Length} bytes)";
    }
}
