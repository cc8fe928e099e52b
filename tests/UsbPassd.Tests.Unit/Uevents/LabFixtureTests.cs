using UsbPassd.Uevents;

namespace UsbPassd.Tests.Unit.Uevents;

/// <summary>
/// Datagrams captured in the lab host (tests/lab/capture-uevents.py) while a usb-storage stick with
/// serial CAP-0001 was plugged into xHCI port 2 and pulled: both groups, byte for byte.
/// </summary>
public class LabFixtureTests
{
    private static readonly List<(UeventGroup Group, byte[] Datagram)> Captured = [..
        RecordedUevents.Read(File.OpenText(Path.Combine(AppContext.BaseDirectory, "Uevents", "Fixtures", "lab-usb-storage-plug-unplug.uevents")))];

    private static List<Uevent> Parsed(UeventGroup group) =>
        [.. Captured.Where(c => c.Group == group).Select(c => UeventParser.TryParse(c.Datagram, out Uevent? e, out string? error) ? e : throw new Xunit.Sdk.XunitException(error))];

    [Fact]
    public void Every_captured_datagram_parses()
    {
        Assert.True(Captured.Count > 80);
        Assert.Equal(Captured.Count, Parsed(UeventGroup.Kernel).Count + Parsed(UeventGroup.Udev).Count);
    }

    [Theory]
    [InlineData(UeventGroup.Kernel)]
    [InlineData(UeventGroup.Udev)]
    public void The_stick_is_added_bound_and_removed_as_a_usb_device(UeventGroup group)
    {
        List<Uevent> device = [.. Parsed(group).Where(e => e.IsUsbDevice)];

        Assert.Equal(["add", "bind", "unbind", "remove"], device.Select(e => e.Action));
        Assert.All(device, e => Assert.Equal("/devices/pci0000:00/0000:00:05.0/usb2/2-2", e.DevPath));
        Assert.Equal("46f4/1/0", device[0].Properties["PRODUCT"]);
    }

    [Fact]
    public void Udev_relays_each_kernel_event_with_its_seqnum_and_adds_its_own_properties()
    {
        Dictionary<long, Uevent> kernel = Parsed(UeventGroup.Kernel).ToDictionary(e => e.Seqnum!.Value);

        foreach (Uevent relayed in Parsed(UeventGroup.Udev))
        {
            Uevent original = kernel[relayed.Seqnum!.Value];
            Assert.Equal((original.Action, original.DevPath), (relayed.Action, relayed.DevPath));
        }

        Uevent add = Parsed(UeventGroup.Udev).First(e => e.IsUsbDevice);
        Assert.Equal("CAP-0001", add.Properties["ID_SERIAL_SHORT"]);
        Assert.Equal("/dev/bus/usb/002/002", add.Properties["DEVNAME"]);
    }
}
