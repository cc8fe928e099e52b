using UsbPassd.Devices;
using UsbPassd.Policy;
using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;

namespace UsbPassd.Tests.Unit.Policy;

/// <summary>Policy decisions over every device of the shared corpus, each recording turned into a sysfs tree and scanned.</summary>
public class PolicyCorpusTests
{
    private static readonly Lazy<IReadOnlyList<UsbDevice>> All = new(Load);

    private static IReadOnlyList<UsbDevice> Devices => All.Value;

    [Fact]
    public void The_default_policy_refuses_every_hub_and_allows_the_rest()
    {
        Assert.Contains(Devices, d => d.IsHub);
        Assert.Contains(Devices, d => !d.IsHub);
        foreach (UsbDevice device in Devices)
        {
            PolicyDecision decision = DevicePolicy.Default.Evaluate(device, new HostFacts());

            Assert.True(decision.Allowed != device.IsHub, $"{device.VendorId:x4}:{device.ProductId:x4} at {device.PortId}: {decision.Reason}");
            if (device.IsHub)
            {
                Assert.Equal(device.IsRootHub ? "root-hub" : "hub", Assert.Single(decision.Refusals).Check.Name);
            }
        }
    }

    [Fact]
    public void A_bare_mass_storage_interface_blocks_exactly_the_devices_that_are_only_mass_storage()
    {
        DevicePolicy policy = DevicePolicy.Parse("block with-interface 08:*:*");

        Assert.Equal(["1043:8012"], Blocked(policy));
        Assert.Equal(Ids(Devices.Where(d => d.Interfaces.Count > 0 && d.Interfaces.All(i => i.Class == UsbClass.MassStorage))), Blocked(policy));
    }

    [Fact]
    public void One_of_mass_storage_also_blocks_the_composite_device_with_a_storage_interface()
    {
        DevicePolicy policy = DevicePolicy.Parse("block with-interface one-of { 08:*:* }");

        Assert.Equal(["1043:8012", "20a0:4109"], Blocked(policy)); // a USB stick, and a Nitrokey (storage + smart card + HID)
        Assert.Equal(Ids(Devices.Where(d => d.Interfaces.Any(i => i.Class == UsbClass.MassStorage))), Blocked(policy));
    }

    [Fact]
    public void Blocking_boot_keyboards_blocks_the_devices_that_have_one()
    {
        DevicePolicy policy = DevicePolicy.Parse("block with-interface one-of { 03:01:01 } label \"keyboards stay home\"");

        Assert.Equal(Ids(Devices.Where(d => d.Interfaces.Any(i => i is { Class: 0x03, SubClass: 0x01, Protocol: 0x01 }))), Blocked(policy));
        Assert.NotEmpty(Blocked(policy));
    }

    [Fact]
    public void The_seeds_blacklist_blocks_the_ehci_root_hubs_by_its_entry()
    {
        DevicePolicy policy = DevicePolicy.Parse(blockList: """[{"vendor_id": "1d6b", "product_id": "0002"}]""");

        Assert.Equal(["1d6b:0002"], Blocked(policy));
        Assert.All(
            Devices.Where(d => d.VendorId == 0x1d6b && d.ProductId == 0x0002),
            d => Assert.Equal("block: block list [0] 'block id 1d6b:0002'", policy.Evaluate(d, new HostFacts()).Reason));
    }

    [Fact]
    public void A_printed_policy_parses_to_one_that_decides_the_same()
    {
        DevicePolicy policy = DevicePolicy.Parse(
            rules: "block with-interface one-of { 08:*:* 0b:*:* } label \"no storage, no smart cards\"\nallow id 05e3:* override hub migration drop\ndefault allow migration equivalent\n",
            blockList: """[{"vendor_id": "046d", "product_id": "c52b"}]""",
            allowList: """[{"vendor_id": "1050", "migration": "refuse"}, {"port_id": "1-1"}]""");

        DevicePolicy reparsed = DevicePolicy.Parse(policy.ToString());

        var facts = new HostFacts { HasLocalConsole = true };
        foreach (UsbDevice device in Devices)
        {
            PolicyDecision a = policy.Evaluate(device, facts), b = reparsed.Evaluate(device, facts);
            Assert.Equal((a.Verdict, a.Rule.ToString(), a.Refusals.Count), (b.Verdict, b.Rule.ToString(), b.Refusals.Count));
            Assert.Equal(policy.MigrationDefault(device), reparsed.MigrationDefault(device));
        }
    }

    private static List<string> Blocked(DevicePolicy policy) =>
        Ids(Devices.Where(d => policy.Evaluate(d, new HostFacts()).Verdict == PolicyVerdict.Blocked));

    private static List<string> Ids(IEnumerable<UsbDevice> devices) =>
        [.. devices.Select(d => $"{d.VendorId:x4}:{d.ProductId:x4}").Distinct().Order(StringComparer.Ordinal)];

    private static List<UsbDevice> Load()
    {
        var devices = new List<UsbDevice>();
        foreach (RecordingFacts recording in CorpusFacts.Recordings.Where(r => r.Usb))
        {
            using SysfsTree tree = CorpusRecording.Materialize(Path.Combine(Corpus.Raw, recording.File), recording.Format);
            devices.AddRange(new SysfsScanner(tree.Root).Scan().Devices);
        }

        return devices;
    }
}
