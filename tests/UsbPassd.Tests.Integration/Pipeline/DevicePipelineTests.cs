using System.Text;
using UsbPassd.Devices;
using UsbPassd.Pipeline;
using UsbPassd.Registry;
using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;
using UsbPassd.Tests.Integration.Registry;
using UsbPassd.Uevents;

namespace UsbPassd.Tests.Integration.Pipeline;

/// <summary>Events through the real pipeline: a sysfs tree on disk, a real registry file.</summary>
public sealed class DevicePipelineTests : IDisposable
{
    private const string Controller = "/devices/pci0000:00/0000:00:14.0/usb1";
    private readonly RegistryFixture _fx = new();
    private readonly SysfsTree _tree = SysfsTree.CreateTemporary();
    private readonly DeviceRepository _repo;
    private readonly DevicePipeline _pipeline;

    public DevicePipelineTests()
    {
        _repo = _fx.Open();
        _pipeline = new DevicePipeline(new SysfsScanner(_tree.Root), _repo, UsbIds.Empty);
        Plug("usb1", 1, serial: "0000:00:14.0", cls: "09");
    }

    public void Dispose()
    {
        _tree.Dispose();
        _fx.Dispose();
    }

    private string Plug(string name, int devnum, string? serial = null, string cls = "00")
    {
        string path = name.StartsWith("usb", StringComparison.Ordinal) ? Controller : $"{Controller}/{name}";
        var attributes = new Dictionary<string, byte[]>
        {
            ["idVendor"] = T("46f4"), ["idProduct"] = T("0001"), ["bDeviceClass"] = T(cls), ["busnum"] = T("1"), ["devnum"] = T($"{devnum}"),
        };
        if (serial is not null)
        {
            attributes["serial"] = T(serial);
        }

        _tree.AddDevice(path, "usb", attributes);
        return path;

        static byte[] T(string s) => Encoding.ASCII.GetBytes(s + "\n");
    }

    private void Unplug(string path)
    {
        Directory.Delete(_tree.Root + path, recursive: true);
        File.Delete(Path.Combine(_tree.Root, "bus/usb/devices", Path.GetFileName(path)));
    }

    private static Uevent Event(string action, string devPath, string devType = "usb_device") =>
        UeventParser.TryParse(RecordedUevents.KernelDatagram(action, devPath, ("SUBSYSTEM", "usb"), ("DEVTYPE", devType)), out Uevent? e, out _) ? e : throw new InvalidOperationException();

    [Fact]
    public void Add_remove_and_renumbering_follow_the_events()
    {
        _pipeline.Resync();
        string stick = Plug("1-2", 3, serial: "KEY-0001");
        Assert.Equal(1, _pipeline.Apply([Event("add", stick)]).Summary![HistoryKind.Added]);

        Unplug(stick);
        Assert.Equal(1, _pipeline.Apply([Event("remove", stick)]).Summary![HistoryKind.Unplugged]);

        string moved = Plug("1-4", 7, serial: "KEY-0001");
        Assert.Equal(1, _pipeline.Apply([Event("add", moved)]).Summary![HistoryKind.Returned]);
        DeviceRow row = _repo.ListLive().Single(r => r.DevId == "46f4:0001:KEY-0001");
        Assert.Equal(("1-4", "usb_1_7"), (row.PortId, row.Address));
        Assert.NotNull(row.PreviousId);
    }

    [Fact]
    public void A_renumbering_between_two_events_replaces_the_row()
    {
        string stick = Plug("1-2", 3, serial: "KEY-0001");
        _pipeline.Resync();
        long first = _repo.ListLive().Single(r => r.PortId == "1-2").Id;

        Unplug(stick);
        stick = Plug("1-2", 9, serial: "KEY-0001"); // same port, new devnum: a replug we saw only as "add"
        Assert.Equal(1, _pipeline.Apply([Event("add", stick)]).Summary![HistoryKind.Renumbered]);
        Assert.Equal(first, _repo.ListLive().Single(r => r.PortId == "1-2").PreviousId);
    }

    [Fact]
    public void Events_that_cannot_be_used_are_reported_and_change_nothing()
    {
        _pipeline.Resync();
        var (summary, problems) = _pipeline.Apply([
            Event("add", $"{Controller}/1-9"),                       // already gone again
            Event("add", $"{Controller}/1-2/1-2:1.0", "usb_interface"), // an interface: not for us
            Event("remove", $"{Controller}/1-7"),                    // never seen
        ]);

        Assert.Null(summary);
        Assert.Contains("already gone", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Unchanged_devices_are_not_rewritten()
    {
        Plug("1-2", 3, serial: "A");
        Plug("1-3", 4, serial: "B");
        _pipeline.Resync();
        string c = Plug("1-4", 5, serial: "C");

        ScanSummary summary = _pipeline.Apply([Event("add", c)]).Summary!;

        Assert.Equal((1, 3), (summary[HistoryKind.Added], summary["unchanged"]));
    }
}
