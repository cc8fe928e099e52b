using System.Text.Json;
using UsbPassd.Devices;
using UsbPassd.Protocol;
using UsbPassd.Registry;
using UsbPassd.Rpc;

namespace UsbPassd.Tests.Unit.Registry;

/// <summary>
/// extra_info holds the JSON it held when the registry stored the wire's UsbDeviceInfo: rows written
/// before read back identically, and rows written now are byte for byte what they were.
/// </summary>
public sealed class ExtraInfoTests
{
    // A row's extra_info as usbpassd wrote it before the registry had its own type (every field set, nulls and an interface).
    private const string Written = """{"port_id":"1-2","parent_port_id":"usb1","bus_id":1,"device_id":3,"address":"usb_1_3","dev_id":"46f4:0001:serial:A","vendor_id":"46f4","product_id":"0001","bcd_device":"0000","device_class":"00","device_subclass":"00","device_protocol":"00","device_class_name":"(Defined at Interface level)","vendor_name":"QEMU","product_name":null,"manufacturer":null,"product":"QEMU USB HARDDRIVE","serial":"A","speed_mbps":480,"devpath":"2","sysfs_path":"/sys/devices/pci0000:00/usb1/1-2","removable":"unknown","authorized":true,"maxchild":0,"is_hub":false,"is_root_hub":false,"interfaces":[{"number":0,"class":"08","subclass":"06","protocol":"50","class_name":"Mass Storage"}],"ambiguous":false,"eligible":false,"ineligible_reason":"storage","policy_rule":"rule 3 \u0027block with-interface 08:*:*\u0027","policy_reason":"a USB disk"}""";

    [Fact]
    public void A_row_written_before_reads_back_as_the_same_wire_record()
    {
        DeviceFacts facts = ExtraInfo.Read(Written)!;

        Assert.Equal(Written, JsonSerializer.Serialize(facts.ToInfo(), ProtocolJson.Default.UsbDeviceInfo));
    }

    [Fact]
    public void Facts_are_written_as_the_wire_record_was()
    {
        DeviceFacts facts = ExtraInfo.Read(Written)!;

        Assert.Equal(Written, ExtraInfo.Write(facts));
        Assert.Equal(JsonSerializer.Serialize(facts.ToInfo(), ProtocolJson.Default.UsbDeviceInfo), ExtraInfo.Write(facts));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{\"seed\":true}")]
    [InlineData("not json")]
    public void Seed_era_or_foreign_extra_info_has_no_facts(string? extra)
    {
        Assert.Null(ExtraInfo.Read(extra));
    }
}
