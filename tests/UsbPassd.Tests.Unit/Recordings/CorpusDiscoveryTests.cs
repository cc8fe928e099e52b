using UsbPassd.Devices;
using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;

namespace UsbPassd.Tests.Unit.Recordings;

/// <summary>
/// Discovery over every recording of ../shared/corpus, each turned into a sysfs tree, checked
/// against what the recording states (Corpus/corpus-facts.json, verified by hand against the raw files).
/// </summary>
public class CorpusDiscoveryTests
{
    public static TheoryData<string> Recordings() => [.. CorpusFacts.Recordings.Select(r => r.File)];

    [Fact]
    public void Every_file_of_the_corpus_has_facts()
    {
        string[] files = [.. Directory.EnumerateFiles(Corpus.Raw, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Corpus.Raw, f)).Order()];
        Assert.Equal(files, CorpusFacts.Recordings.Select(r => r.File).Order());
    }

    [Theory]
    [MemberData(nameof(Recordings))]
    public void Discovery_finds_what_the_recording_states(string file)
    {
        RecordingFacts facts = CorpusFacts.For(file);
        using SysfsTree tree = CorpusRecording.Materialize(Path.Combine(Corpus.Raw, file), facts.Format);

        DeviceScan scan = new SysfsScanner(tree.Root).Scan();

        if (!facts.Usb)
        {
            Assert.Empty(scan.Devices); // the negative control: a recording with no USB device at all
            return;
        }

        if (facts.Devices.All(f => f.VendorId is null))
        {
            // lsusb -t states the topology but no ids: every device is refused, none crashes the scan.
            Assert.Empty(scan.Devices);
            Assert.Equal(facts.Devices.Count, scan.Skipped.Count);
            Assert.All(scan.Skipped, p => Assert.Equal("idVendor is missing; skipped", p.Reason));
            CheckTopology(facts, CorpusRecording.ReadSynthetic(Path.Combine(Corpus.Raw, file), facts.Format));
            return;
        }

        Assert.Empty(scan.Skipped);
        Assert.Equal(facts.Devices.Count, scan.Devices.Count);
        IReadOnlyList<DiscoveredDevice> found = Inventory.Build(scan.Devices, UsbIds.Empty);
        foreach (DeviceFact fact in facts.Devices)
        {
            UsbDevice d = Find(found.Select(f => f.Device), fact);
            Assert.Equal(fact.VendorId, d.VendorId.ToString("x4"));
            Assert.Equal(fact.ProductId, d.ProductId.ToString("x4"));
            CheckCommon(fact, d.Bus, d.DeviceNumber, d.Speed, d.IsHub, d.Interfaces.Select(i => i.Class.ToString("x2")));
            if (fact.DeviceClass is not null)
            {
                Assert.Equal(fact.DeviceClass, d.DeviceClass.ToString("x2"));
            }

            CheckString(fact.Manufacturer, d.Manufacturer, fact, "manufacturer");
            CheckString(fact.Product, d.Product, fact, "product");
            CheckString(fact.Serial, d.Serial, fact, "serial");
            DiscoveredDevice discovered = found.Single(f => f.Device == d);
            Assert.Equal(d.IsHub, !discovered.Eligible);
        }
    }

    private static void CheckTopology(RecordingFacts facts, IReadOnlyList<SyntheticUsbDevice> parsed)
    {
        Assert.Equal(facts.Devices.Select(f => f.Port), parsed.Select(p => p.Name));
        foreach (DeviceFact fact in facts.Devices)
        {
            SyntheticUsbDevice d = parsed.Single(p => p.Name == fact.Port);
            CheckCommon(fact, d.Bus!.Value, d.DeviceNumber!.Value, d.Speed, d.DeviceClass == "09", d.Interfaces.Select(i => i.Class));
        }
    }

    private static void CheckCommon(DeviceFact fact, int bus, int devnum, string? speed, bool isHub, IEnumerable<string> interfaces)
    {
        if (fact.Bus is int b)
        {
            Assert.Equal(b, bus);
        }

        if (fact.DeviceNumber is int n)
        {
            Assert.Equal(n, devnum);
        }

        if (fact.Speed is not null)
        {
            Assert.Equal(fact.Speed, speed);
        }

        if (fact.IsHub is bool hub)
        {
            Assert.True(hub == isHub, $"{fact}: is_hub should be {hub}");
        }

        if (fact.InterfaceClasses is not null)
        {
            Assert.Equal(fact.InterfaceClasses, interfaces);
        }
    }

    private static UsbDevice Find(IEnumerable<UsbDevice> devices, DeviceFact fact)
    {
        IEnumerable<UsbDevice> candidates =
            fact.Port is not null ? devices.Where(d => d.PortId == fact.Port)
            : fact.Bus is not null && fact.DeviceNumber is not null ? devices.Where(d => d.Bus == fact.Bus && d.DeviceNumber == fact.DeviceNumber)
            : devices.Where(d => d.VendorId.ToString("x4") == fact.VendorId && d.ProductId.ToString("x4") == fact.ProductId);
        List<UsbDevice> list = [.. candidates];
        Assert.True(list.Count == 1, $"{fact}: found {list.Count} matching devices");
        return list[0];
    }

    private static void CheckString((bool Stated, string? Value) fact, string? actual, DeviceFact device, string name)
    {
        if (fact.Stated)
        {
            Assert.True(fact.Value == actual, $"{device}: {name} should be {Show(fact.Value)}, discovery says {Show(actual)}");
        }
    }

    private static string Show(string? s) => s is null ? "absent" : $"\"{s}\"";
}
