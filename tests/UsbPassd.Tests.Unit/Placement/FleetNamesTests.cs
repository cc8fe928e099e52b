using UsbPassd.Placement;
using UsbPassd.Placement.Fleet;

namespace UsbPassd.Tests.Unit.Placement;

/// <summary>What the fleet view reads back from the names the sync writes, and the states it shows.</summary>
public sealed class FleetNamesTests
{
    [Theory]
    [InlineData("compute-1", "0781", "5567")]
    [InlineData("a-very-long-host-name-that-nova-would-accept-because-it-is-an-fqdn.example.org", "46F4", "0001")]
    public void A_provider_name_the_sync_wrote_gives_back_its_class(string root, string vid, string pid)
    {
        Guid uuid = PlacementNames.DeviceProvider(root, $"{vid}:{pid}:S");
        string name = PlacementNames.DeviceProviderName(root, vid, pid, uuid);
        Assert.Equal(PlacementNames.ResourceClass(vid, pid), ProviderName.ResourceClass(name));
        Assert.Equal($"{vid.ToLowerInvariant()}:{pid.ToLowerInvariant()}", ProviderName.VidPid(ProviderName.ResourceClass(name)));
    }

    [Theory]
    [InlineData("compute-1")]
    [InlineData("renamed by someone")]
    [InlineData("compute-1_usb_0781_5567")]
    public void Other_names_give_no_class(string name) => Assert.Null(ProviderName.ResourceClass(name));

    [Fact]
    public void Vid_pid_only_for_usbpassd_s_classes() => Assert.Null(ProviderName.VidPid("CUSTOM_PCI_8086_1572"));

    [Fact]
    public void A_device_is_in_use_when_someone_holds_it_unavailable_when_reserved_else_free()
    {
        FleetDevice Device(int reserved, params Guid[] consumers) => new("compute-1", Guid.NewGuid(), Guid.NewGuid(), "compute-1_usb_0781_5567_0123456789ab", "CUSTOM_USB_0781_5567",
            [PlacementNames.MarkerTrait, "CUSTOM_USB_LABEL_POOL", "CUSTOM_USB_SERIAL_ABC"], reserved, consumers);
        Assert.Equal("free", Device(0).State);
        Assert.Equal("unavailable", Device(1).State);
        Assert.Equal("in use", Device(0, Guid.NewGuid()).State);
        Assert.Equal("in use", Device(1, Guid.NewGuid()).State);
        Assert.Equal("CUSTOM_USB_SERIAL_ABC", Device(0).SerialTrait);
        Assert.Equal(["CUSTOM_USB_LABEL_POOL"], Device(0).LabelTraits);
        Assert.Equal("0781:5567", Device(0).VidPid);
    }
}
