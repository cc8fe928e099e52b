using UsbPassd.Devices;

namespace UsbPassd.Tests.Unit.Devices;

public class UsbPortPathTests
{
    [Theory]
    [InlineData("usb1", 1, "", null)]
    [InlineData("1-4", 1, "4", "usb1")]
    [InlineData("1-4.1.3", 1, "4.1.3", "1-4.1")]
    [InlineData("12-10.2", 12, "10.2", "12-10")]
    [InlineData("3-1.1.1.1.1.1.1", 3, "1.1.1.1.1.1.1", "3-1.1.1.1.1.1")]
    public void Parses_device_names(string name, int bus, string ports, string? parent)
    {
        Assert.True(UsbPortPath.TryParse(name, out UsbPortPath? p));
        Assert.Equal(bus, p.Value.Bus);
        Assert.Equal(ports, p.Value.Ports);
        Assert.Equal(name, p.Value.Name);
        Assert.Equal(parent, p.Value.Parent?.Name);
    }

    [Theory]
    [InlineData("1-2:1.0")]            // an interface
    [InlineData("usb")]
    [InlineData("usb0")]
    [InlineData("1-")]
    [InlineData("-1")]
    [InlineData("1-0")]
    [InlineData("1-01")]
    [InlineData("1-2..3")]
    [InlineData("1-256")]
    [InlineData("1-1.1.1.1.1.1.1.1")]  // 8 tiers: deeper than USB allows
    [InlineData("1-2 ")]
    [InlineData("ep_81")]
    [InlineData("")]
    public void Rejects_what_is_not_a_device_name(string name) =>
        Assert.False(UsbPortPath.TryParse(name, out _));

    [Fact]
    public void Orders_like_a_tree()
    {
        string[] names = ["2-1", "1-10", "usb2", "1-2.1", "1-2", "usb1", "1-1"];
        string[] sorted = [.. names.Select(UsbPortPath.Parse).Order(Comparer<UsbPortPath>.Create(PortOrder.Compare)).Select(p => p.Name)];
        Assert.Equal(["usb1", "1-1", "1-2", "1-2.1", "1-10", "usb2", "2-1"], sorted);
    }
}
