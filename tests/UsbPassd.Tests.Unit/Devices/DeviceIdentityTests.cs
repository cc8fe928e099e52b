using UsbPassd.Devices;
using static UsbPassd.Tests.Unit.Devices.TestDevices;

namespace UsbPassd.Tests.Unit.Devices;

public class DeviceIdentityTests
{
    [Fact]
    public void A_unique_serial_gives_a_serial_based_id()
    {
        var (devId, ambiguous) = DeviceIdentity.Assign([Make("1-2", serial: "KEY-0001")])[0];
        Assert.Equal("46f4:0001:KEY-0001", devId);
        Assert.False(ambiguous);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void No_serial_gives_a_port_based_id_that_is_not_ambiguous_alone(string? serial)
    {
        var (devId, ambiguous) = DeviceIdentity.Assign([Make("1-4.1", serial: serial)])[0];
        Assert.Equal("46f4:0001@1-4.1", devId);
        Assert.False(ambiguous);
    }

    [Fact]
    public void Serial_less_twins_are_both_ambiguous()
    {
        var ids = DeviceIdentity.Assign([Make("1-2"), Make("1-3"), Make("1-4", product: 2)]);
        Assert.Equal([("46f4:0001@1-2", true), ("46f4:0001@1-3", true), ("46f4:0002@1-4", false)], ids);
    }

    [Fact]
    public void A_duplicated_serial_falls_back_to_ports_and_is_ambiguous()
    {
        var ids = DeviceIdentity.Assign([Make("1-2", serial: "0123456789ABCDEF"), Make("2-1", serial: "0123456789ABCDEF")]);
        Assert.Equal([("46f4:0001@1-2", true), ("46f4:0001@2-1", true)], ids);
    }

    [Fact]
    public void The_same_serial_on_different_products_is_no_collision()
    {
        var ids = DeviceIdentity.Assign([Make("1-2", product: 1, serial: "X"), Make("1-3", product: 2, serial: "X")]);
        Assert.Equal([("46f4:0001:X", false), ("46f4:0002:X", false)], ids);
    }

    [Fact]
    public void Address_is_the_seeds_format() => Assert.Equal("usb_2_3", DeviceIdentity.Address(2, 3));

    [Fact]
    public void Hubs_and_root_hubs_are_never_eligible()
    {
        var found = Discover(Make("usb1", 0x1d6b, 2, cls: 9), Make("1-1", 0x05e3, 0x0608, cls: 9), Make("1-1.2"));
        Assert.Equal([Eligibility.RootHub, Eligibility.Hub, null], found.Select(d => d.IneligibleReason));
    }
}
