using UsbPassd.Libvirt;

namespace UsbPassd.Tests.Unit.Libvirt;

public class HostdevXmlTests
{
    [Fact]
    public void Writes_the_hostdev_with_bus_device_ids_alias_and_policy()
    {
        string xml = HostdevXml.Build(0x46f4, 0x0001, 2, 3, "ua-usbpassd-0123456789abcdef", "optional");

        Assert.Equal(
            "<hostdev mode=\"subsystem\" type=\"usb\"><source startupPolicy=\"optional\"><vendor id=\"0x46f4\" /><product id=\"0x0001\" />" +
            "<address bus=\"2\" device=\"3\" /></source><alias name=\"ua-usbpassd-0123456789abcdef\" /></hostdev>", xml);
    }

    [Fact]
    public void The_alias_is_stable_per_dev_id_and_valid_for_libvirt()
    {
        string a = HostdevXml.Alias("46f4:0001:KEY-0001");
        Assert.Equal(a, HostdevXml.Alias("46f4:0001:KEY-0001"));
        Assert.NotEqual(a, HostdevXml.Alias("46f4:0001:KEY-0002"));
        Assert.Matches("^ua-usbpassd-[0-9a-f]{16}$", a);
    }

    [Fact]
    public void Refuses_an_unknown_startup_policy() =>
        Assert.Throws<ArgumentException>(() => HostdevXml.Build(1, 2, 3, 4, "ua-usbpassd-x", "sometimes"));

    [Fact]
    public void Reads_usb_hostdevs_and_controllers_back_from_a_domain()
    {
        const string domain = """
            <domain type='qemu'><name>vm</name><devices>
              <controller type='usb' index='0' model='qemu-xhci'/>
              <controller type='pci' index='0' model='pcie-root'/>
              <hostdev mode='subsystem' type='usb' managed='no'>
                <source startupPolicy='optional'><vendor id='0x46f4'/><product id='0x0001'/><address bus='2' device='3'/></source>
                <alias name='ua-usbpassd-0123456789abcdef'/>
              </hostdev>
              <hostdev mode='subsystem' type='usb'><source><vendor id='0x0627'/><product id='0x0001'/></source><alias name='hostdev1'/></hostdev>
              <hostdev mode='subsystem' type='pci'><source><address domain='0' bus='1' slot='0' function='0'/></source></hostdev>
            </devices></domain>
            """;

        IReadOnlyList<DomainHostdev> hostdevs = DomainXml.UsbHostdevs(domain);

        Assert.Equal(2, hostdevs.Count);
        Assert.Equal(new DomainHostdev("ua-usbpassd-0123456789abcdef", 0x46f4, 0x0001, 2, 3, "optional"), hostdevs[0]);
        Assert.True(hostdevs[0].IsOurs);
        Assert.False(hostdevs[1].IsOurs); // someone else's: shown as owned externally
        Assert.Equal(["qemu-xhci"], GuestUsbPorts.Buses(domain).Select(b => b.Model));
    }

    [Theory]
    [InlineData(DomainState.Running, true, "auto", AttachFlags.Live | AttachFlags.Config, null)]
    [InlineData(DomainState.Paused, false, "auto", AttachFlags.Live, null)]
    [InlineData(DomainState.ShutOff, true, "auto", AttachFlags.Config, null)]
    [InlineData(DomainState.ShutOff, true, "config", AttachFlags.Config, null)]
    [InlineData(DomainState.Running, true, "live", AttachFlags.Live, null)]
    [InlineData(DomainState.ShutOff, true, "live", 0u, "is not running")]
    [InlineData(DomainState.Running, false, "config", 0u, "is transient")]
    [InlineData(DomainState.Running, true, "sometimes", 0u, "mode must be")]
    public void Flags_follow_the_domain_state(DomainState state, bool persistent, string mode, uint flags, string? refusal)
    {
        var (f, why) = AttachFlags.For(state, persistent, mode, "erp-vm");
        Assert.Equal(flags, f);
        if (refusal is null)
        {
            Assert.Null(why);
        }
        else
        {
            Assert.Contains(refusal, why);
        }
    }
}
