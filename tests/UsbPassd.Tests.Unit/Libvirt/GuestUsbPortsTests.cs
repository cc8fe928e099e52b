using UsbPassd.Libvirt;

namespace UsbPassd.Tests.Unit.Libvirt;

public class GuestUsbPortsTests
{
    // What libvirt's live XML looks like: every USB device carries its guest address.
    private const string TwoPortUhciWithTablet = """
        <domain type='qemu'><name>vm</name><devices>
          <controller type='usb' index='0' model='piix3-uhci'><alias name='usb'/></controller>
          <input type='tablet' bus='usb'><address type='usb' bus='0' port='1'/></input>
          <hostdev mode='subsystem' type='usb'><source><vendor id='0x46f4'/><product id='0x0001'/></source><address type='usb' bus='0' port='2'/></hostdev>
        </devices></domain>
        """;

    [Fact]
    public void Counts_ports_per_controller_and_what_takes_them()
    {
        GuestUsbBus bus = Assert.Single(GuestUsbPorts.Buses(TwoPortUhciWithTablet));

        Assert.Equal((0, "piix3-uhci", "uhci", 2), (bus.Index, bus.Model, bus.Family, bus.Ports!.Value));
        Assert.Equal(["1", "2"], bus.Used);
        Assert.Empty(bus.Free);
    }

    [Fact]
    public void Xhci_ports_come_from_the_ports_attribute_or_default_to_four_and_hubs_add_eight()
    {
        const string xml = """
            <domain><devices>
              <controller type='usb' index='0' model='ich9-ehci1'/>
              <controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>
              <controller type='usb' index='1' model='qemu-xhci' ports='15'/>
              <controller type='usb' index='2' model='nec-xhci'/>
              <hub type='usb'><address type='usb' bus='2' port='1'/></hub>
              <hostdev mode='subsystem' type='usb'><address type='usb' bus='2' port='1.3'/></hostdev>
            </devices></domain>
            """;

        IReadOnlyList<GuestUsbBus> buses = GuestUsbPorts.Buses(xml);

        Assert.Equal([(0, "ich9-ehci1", 6), (1, "qemu-xhci", 15), (2, "nec-xhci", 4)], buses.Select(b => (b.Index, b.Model, b.Ports!.Value)));
        Assert.Equal(["2", "3", "4", "1.1", "1.2", "1.4", "1.5", "1.6", "1.7", "1.8"], buses[2].Free);
        Assert.Equal(3, GuestUsbPorts.NextControllerIndex(xml));
    }

    [Fact]
    public void A_full_guest_is_refused_before_libvirt_with_what_fills_it_and_what_to_do()
    {
        GuestPortPlan plan = GuestPortPlan.For(GuestUsbPorts.Buses(TwoPortUhciWithTablet), null, live: true, 1, "erp-vm");

        Assert.Null(plan.Address);
        Assert.Contains("no free USB port in domain erp-vm: piix3-uhci (bus 0) has 2 of 2 ports taken", plan.Refusal);
        Assert.Contains("--config --controller xhci", plan.Refusal);
    }

    [Fact]
    public void A_stopped_domain_without_the_asked_controller_gets_one_added_and_the_device_is_pinned_to_it()
    {
        GuestPortPlan plan = GuestPortPlan.For(GuestUsbPorts.Buses(TwoPortUhciWithTablet), "xhci", live: false, nextIndex: 1, "erp-vm");

        Assert.Equal(new GuestPortPlan(new GuestUsbAddress(1, "1"), "qemu-xhci", null), plan);
    }

    [Fact]
    public void A_running_domain_cannot_get_a_controller_so_the_request_is_refused_with_the_way_out()
    {
        GuestPortPlan plan = GuestPortPlan.For(GuestUsbPorts.Buses(TwoPortUhciWithTablet), "ehci", live: true, 1, "erp-vm");

        Assert.Equal("domain erp-vm has no ehci controller and a running VM cannot get one: shut it off and attach with --config --controller ehci (usbpassd adds it), or attach without --controller", plan.Refusal);
    }

    [Fact]
    public void An_asked_family_with_a_free_port_pins_that_port_and_no_family_leaves_the_choice_to_libvirt()
    {
        const string xml = "<domain><devices><controller type='usb' index='0' model='piix3-uhci'/><controller type='usb' index='1' model='qemu-xhci'/>" +
            "<input type='tablet' bus='usb'><address type='usb' bus='1' port='1'/></input></devices></domain>";
        IReadOnlyList<GuestUsbBus> buses = GuestUsbPorts.Buses(xml);

        Assert.Equal(new GuestPortPlan(new GuestUsbAddress(1, "2"), null, null), GuestPortPlan.For(buses, "xhci", live: true, 2, "vm"));
        Assert.Equal(new GuestPortPlan(null, null, null), GuestPortPlan.For(buses, null, live: true, 2, "vm"));
    }

    [Theory]
    [InlineData("<domain><devices><controller type='usb' model='none'/></devices></domain>", "has no USB controller")]
    [InlineData("<domain><devices/></domain>", "has no USB controller")]
    public void A_running_domain_without_usb_is_refused(string xml, string expected) =>
        Assert.Contains(expected, GuestPortPlan.For(GuestUsbPorts.Buses(xml), null, live: true, 0, "vm").Refusal);

    [Fact]
    public void An_unknown_controller_model_is_not_judged() =>
        Assert.Null(GuestPortPlan.For(GuestUsbPorts.Buses("<domain><devices><controller type='usb' model='qusb2'/></devices></domain>"), null, true, 1, "vm").Refusal);

    [Fact]
    public void Refuses_an_unknown_family() =>
        Assert.Equal("controller must be uhci, ehci or xhci, not 'ohci2'", GuestPortPlan.For([], "ohci2", true, 0, "vm").Refusal);

    [Fact]
    public void Writes_the_guest_address_and_a_controller_with_an_xml_writer()
    {
        Assert.EndsWith("</source><address type=\"usb\" bus=\"1\" port=\"2\" /><alias name=\"ua-usbpassd-x\" /></hostdev>",
            HostdevXml.Build(1, 2, 3, 4, "ua-usbpassd-x", "optional", new GuestUsbAddress(1, "2")));
        Assert.Equal("<controller type=\"usb\" index=\"1\" model=\"qemu-xhci\" ports=\"15\" />", HostdevXml.Controller("qemu-xhci", 1));
        Assert.Equal("<controller type=\"usb\" index=\"2\" model=\"piix3-uhci\" />", HostdevXml.Controller("piix3-uhci", 2));
    }
}
