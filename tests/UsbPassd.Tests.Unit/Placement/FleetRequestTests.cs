using UsbPassd.Placement;
using UsbPassd.Placement.Fleet;

namespace UsbPassd.Tests.Unit.Placement;

/// <summary>A device request in Placement's words: its traits, its query, its mistakes.</summary>
public sealed class FleetRequestTests
{
    [Fact]
    public void The_query_is_one_numbered_group_so_every_trait_is_on_the_device_itself()
    {
        var request = new DeviceRequest { ResourceClass = "CUSTOM_USB_0781_5567", Serial = "4C530001071107105463", Labels = ["licence keys"], Traits = ["CUSTOM_USB_CLASS_08"] };
        Assert.Equal(
            $"resources1=CUSTOM_USB_0781_5567:1&required1=CUSTOM_USBPASSD_DEVICE,CUSTOM_USB_SERIAL_4C530001071107105463,{PlacementNames.LabelTrait("licence keys")},CUSTOM_USB_CLASS_08",
            request.CandidatesQuery("CUSTOM_USB_0781_5567", tree: null, limit: null));
        Guid root = Guid.Parse("3f0c7a52-6d1e-4b8e-9a57-2c4d1e8b6f90");
        Assert.EndsWith($"&in_tree1={root}&limit=50", request.CandidatesQuery("CUSTOM_USB_0781_5567", root, 50));
    }

    [Fact]
    public void The_serial_and_labels_become_the_traits_the_sync_writes()
    {
        var request = new DeviceRequest { Serial = "KEY-1-2", Labels = ["test keys", "test keys"] };
        Assert.Equal([PlacementNames.MarkerTrait, PlacementNames.SerialTrait("KEY-1-2")!, PlacementNames.LabelTrait("test keys")], request.RequiredTraits());
    }

    [Theory]
    [InlineData("0781:5567", "CUSTOM_USB_0781_5567")]
    [InlineData("46f4:0001", "CUSTOM_USB_46F4_0001")]
    public void Vendor_product_as_lsusb_shows_it_is_the_class(string vidPid, string expected)
    {
        Assert.Equal(expected, DeviceRequest.ClassOf(vidPid, out string? problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("0781")]
    [InlineData("0781:55")]
    [InlineData("07g1:5567")]
    [InlineData("0781:5567:1")]
    public void A_vendor_product_that_is_not_two_hex_words_is_refused(string vidPid)
    {
        Assert.Null(DeviceRequest.ClassOf(vidPid, out string? problem));
        Assert.Contains("VENDOR:PRODUCT", problem);
    }

    [Fact]
    public void A_request_that_names_nothing_or_a_wrong_class_or_trait_says_what_to_fix()
    {
        Assert.Contains("say which device", new DeviceRequest().Problem());
        Assert.Contains("not a USB device class", new DeviceRequest { ResourceClass = "VCPU" }.Problem());
        Assert.Contains("not a USB device class", new DeviceRequest { ResourceClass = "CUSTOM_USB_0781_5567 " }.Problem());
        Assert.Contains("not a trait name", new DeviceRequest { Serial = "S", Traits = ["custom_lower"] }.Problem());
        Assert.Null(new DeviceRequest { Labels = ["x"] }.Problem());
    }

    [Fact]
    public void The_request_reads_back_in_the_command_line_s_words()
    {
        Assert.Equal("CUSTOM_USB_0781_5567, serial S1, label \"pool\", on host compute-1",
            new DeviceRequest { ResourceClass = "CUSTOM_USB_0781_5567", Serial = "S1", Labels = ["pool"], Host = "compute-1" }.ToString());
    }
}
