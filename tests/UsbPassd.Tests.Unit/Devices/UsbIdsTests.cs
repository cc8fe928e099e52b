using System.Text;
using UsbPassd.Devices;
using UsbPassd.Testing;

namespace UsbPassd.Tests.Unit.Devices;

public class UsbIdsTests
{
    private const string Sample = """
        # comment
        046d  Logitech, Inc.
        	c52b  Unifying Receiver
        		0000  some interface line
        1d6b  Linux Foundation
        	0002  2.0 root hub
        bad line
        	zzzz  not a product

        C 09  Hub
        	00  Unused
        C 0b  Chip/SmartCard
        AT 0100  USB Undefined
        HID 21  HID
        """;

    [Fact]
    public void Reads_vendors_products_and_classes()
    {
        UsbIds ids = UsbIds.Parse(Encoding.UTF8.GetBytes(Sample));

        Assert.Equal("Logitech, Inc.", ids.Vendor(0x046d));
        Assert.Equal("Unifying Receiver", ids.Product(0x046d, 0xc52b));
        Assert.Equal("2.0 root hub", ids.Product(0x1d6b, 0x0002));
        Assert.Null(ids.Product(0x046d, 0x0000));
        Assert.Equal("Hub", ids.Class(0x09));
        Assert.Equal("Chip/SmartCard", ids.Class(0x0b));
        Assert.Equal(2, ids.VendorCount);
    }

    [FactWhenFileExists(UsbIds.DefaultPath, "usb.ids")]
    public void Reads_the_installed_database()
    {
        UsbIds ids = UsbIds.Load(UsbIds.DefaultPath);

        Assert.True(ids.VendorCount > 1000);
        Assert.Equal("Linux Foundation", ids.Vendor(0x1d6b));
        Assert.Equal("Hub", ids.Class(0x09));
    }
}
