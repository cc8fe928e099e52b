using System.Xml;
using System.Xml.Linq;
using UsbPassd.Migration;

namespace UsbPassd.Tests.Unit.Migration;

/// <summary>The incoming domain's XML on the destination: read for our hostdevs and the source's decisions, rewritten at this host's devices and nothing else.</summary>
public sealed class IncomingDomainTests
{
    private const string Key = "ua-usbpassd-0123456789abcdef";
    private const string Scanner = "ua-usbpassd-fedcba9876543210";
    private const string Bare = "ua-usbpassd-00000000000000aa"; // ours, but the metadata says nothing of it

    // As libvirtd hands a migrating domain to the destination's hook (a live, migratable XML).
    private const string Xml = """
        <domain type='kvm' id='7'>
          <name>erp</name>
          <uuid>6F1C0A3E-0000-4000-8000-000000000001</uuid>
          <metadata>
            <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1"><nova:name>erp</nova:name></nova:instance>
            <usbpassd:devices xmlns:usbpassd="https://usbpassd.org/xmlns/domain/1">
              <usbpassd:device alias="ua-usbpassd-0123456789abcdef" dev_id="096e:0006:4C530001" vendor="096e" product="0006" migration="refuse" label="licence keys"/>
              <usbpassd:device alias="ua-usbpassd-fedcba9876543210" dev_id="04a9:31c0@1-3" vendor="04a9" product="31c0" migration="equivalent"/>
              <usbpassd:device alias="hostdev0" dev_id="x" vendor="1" product="2" migration="drop"/>
            </usbpassd:devices>
          </metadata>
          <memory unit='KiB'>1048576</memory>
          <vcpu placement='static'>1</vcpu>
          <os><type arch='x86_64' machine='pc-q35-8.2'>hvm</type><boot dev='hd'/></os>
          <features><acpi/><apic/></features>
          <cpu mode='custom' match='exact' check='full'><model fallback='forbid'>qemu64</model></cpu>
          <clock offset='utc'/>
          <on_poweroff>destroy</on_poweroff>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <controller type='usb' index='0' model='qemu-xhci' ports='15'>
              <alias name='usb'/>
              <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
            </controller>
            <hostdev mode='subsystem' type='usb' managed='no'>
              <source startupPolicy='mandatory'>
                <vendor id='0x096e'/>
                <product id='0x0006'/>
                <address bus='1' device='5'/>
              </source>
              <alias name='ua-usbpassd-0123456789abcdef'/>
              <address type='usb' bus='0' port='1'/>
            </hostdev>
            <hostdev mode='subsystem' type='usb' managed='no'>
              <source startupPolicy='optional' missing='yes'>
                <vendor id='0x04A9'/>
                <product id='0x31c0'/>
                <address bus='1' device='11'/>
              </source>
              <alias name='ua-usbpassd-fedcba9876543210'/>
              <address type='usb' bus='0' port='2'/>
            </hostdev>
            <hostdev mode='subsystem' type='usb' managed='no'>
              <source>
                <vendor id='0x0781'/>
                <product id='0x5567'/>
                <address bus='2' device='3'/>
              </source>
              <alias name='ua-usbpassd-00000000000000aa'/>
              <address type='usb' bus='0' port='3'/>
            </hostdev>
            <hostdev mode='subsystem' type='usb' managed='no'>
              <source>
                <vendor id='0x0781'/>
                <product id='0x5567'/>
                <address bus='2' device='4'/>
              </source>
              <alias name='hostdev0'/>
              <address type='usb' bus='0' port='4'/>
            </hostdev>
            <hostdev mode='subsystem' type='pci' managed='yes'>
              <source><address domain='0x0000' bus='0x05' slot='0x00' function='0x0'/></source>
              <alias name='ua-usbpassd-ffffffffffffffff'/>
              <address type='pci' domain='0x0000' bus='0x06' slot='0x00' function='0x0'/>
            </hostdev>
            <memballoon model='none'/>
          </devices>
          <seclabel type='dynamic' model='dac' relabel='yes'/>
        </domain>
        """;

    private static XElement Hostdev(XDocument doc, string alias) =>
        doc.Root!.Element("devices")!.Elements("hostdev").Single(h => (string?)h.Element("alias")?.Attribute("name") == alias);

    [Fact]
    public void Reads_the_uuid_the_name_and_only_our_USB_hostdevs_each_with_the_source_s_entry()
    {
        IncomingDomain d = IncomingDomain.Read(Xml);

        Assert.Equal("6f1c0a3e-0000-4000-8000-000000000001", d.Uuid); // as Guid formats it: the registry's form
        Assert.Equal("erp", d.Name);
        Assert.Equal([Key, Scanner, Bare], d.Hostdevs.Select(h => h.Alias)); // not hostdev0, not the PCI one
        IncomingHostdev key = d.Hostdevs[0], scanner = d.Hostdevs[1], bare = d.Hostdevs[2];
        Assert.Equal(("096e", "0006", "mandatory"), (key.VendorId, key.ProductId, key.StartupPolicy));
        Assert.Equal(new MigrationEntry(Key, "096e:0006:4C530001", "096e", "0006", MigrationDecision.Refuse, "licence keys"), key.Entry);
        Assert.Equal(("04a9", "31c0", "optional"), (scanner.VendorId, scanner.ProductId, scanner.StartupPolicy)); // 0x04A9 read as the registry writes it
        Assert.Equal(MigrationDecision.Equivalent, scanner.Entry!.Migration);
        Assert.Null(scanner.Entry.Label);
        Assert.Equal("mandatory", bare.StartupPolicy); // libvirt's default when the attribute is absent
        Assert.Null(bare.Entry);
    }

    [Fact]
    public void A_domain_without_a_name_is_called_by_its_uuid() =>
        Assert.Equal("6f1c0a3e-0000-4000-8000-000000000001", IncomingDomain.Read("<domain><uuid>6f1c0a3e-0000-4000-8000-000000000001</uuid></domain>").Name);

    [Theory]
    [InlineData("<domain><name>erp</name></domain>")]
    [InlineData("<domain><name>erp</name><uuid>not-a-uuid</uuid></domain>")]
    [InlineData("<domain><name>erp</name><uuid></uuid></domain>")]
    public void Without_a_uuid_the_XML_is_not_a_domain_we_can_prepare(string xml) =>
        Assert.Throws<FormatException>(() => IncomingDomain.Read(xml));

    [Fact]
    public void A_DTD_is_refused_before_any_entity_is_expanded()
    {
        const string laughs = """
            <!DOCTYPE domain [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
            <domain><name>&b;</name><uuid>6f1c0a3e-0000-4000-8000-000000000001</uuid></domain>
            """;
        XmlException e = Assert.Throws<XmlException>(() => IncomingDomain.Read(laughs));
        Assert.Contains("DTD", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_XML_is_an_XmlException() =>
        Assert.Throws<XmlException>(() => IncomingDomain.Read("<hostdev type='usb'>")); // what a hook older than migrations sends is a fragment list

    [Fact]
    public void Rewrite_points_our_hostdevs_at_their_targets_and_keeps_everything_else_element_for_element()
    {
        string rewritten = IncomingDomain.Read(Xml).Rewrite(new Dictionary<string, HostdevTarget>
        {
            [Key] = new(3, 17, Dropped: false),
            [Scanner] = new(1, 127, Dropped: true),
        });
        XDocument before = XDocument.Parse(Xml), after = XDocument.Parse(rewritten);

        XElement key = Hostdev(after, Key).Element("source")!;
        Assert.Equal(("3", "17"), ((string?)key.Element("address")!.Attribute("bus"), (string?)key.Element("address")!.Attribute("device")));
        Assert.Equal("mandatory", (string?)key.Attribute("startupPolicy")); // moved, not dropped: the policy stays

        XElement scanner = Hostdev(after, Scanner).Element("source")!;
        Assert.Equal(("1", "127"), ((string?)scanner.Element("address")!.Attribute("bus"), (string?)scanner.Element("address")!.Attribute("device")));
        Assert.Equal("optional", (string?)scanner.Attribute("startupPolicy"));
        Assert.Null(scanner.Attribute("missing")); // libvirt's mark of the source host; this host looks again

        // Then put back what the rewrite was meant to change: what is left must be the same document.
        foreach ((string alias, string bus, string device) in (ReadOnlySpan<(string, string, string)>)[(Key, "1", "5"), (Scanner, "1", "11")])
        {
            XElement source = Hostdev(after, alias).Element("source")!;
            source.Element("address")!.SetAttributeValue("bus", bus);
            source.Element("address")!.SetAttributeValue("device", device);
        }

        Hostdev(after, Scanner).Element("source")!.SetAttributeValue("missing", "yes");
        Assert.True(XNode.DeepEquals(before.Root, after.Root), $"beyond our two hostdevs' sources the XML changed:\n{after}");
        Assert.Equal(Xml.Split("<hostdev").Length, rewritten.Split("<hostdev").Length);
    }

    [Fact]
    public void Guest_addresses_other_hostdevs_and_the_metadata_are_untouched()
    {
        string rewritten = IncomingDomain.Read(Xml).Rewrite(new Dictionary<string, HostdevTarget> { [Key] = new(3, 17, false), [Bare] = new(1, 127, true) });
        XDocument before = XDocument.Parse(Xml), after = XDocument.Parse(rewritten);

        foreach (string alias in (string[])[Key, Scanner, Bare, "hostdev0", "ua-usbpassd-ffffffffffffffff"])
        {
            // The guest side (<address type='usb' bus port>): libvirt's ABI check compares it with the source's.
            Assert.True(XNode.DeepEquals(Hostdev(before, alias).Element("address"), Hostdev(after, alias).Element("address")), alias);
        }

        Assert.True(XNode.DeepEquals(Hostdev(before, "hostdev0"), Hostdev(after, "hostdev0")));
        Assert.True(XNode.DeepEquals(Hostdev(before, "ua-usbpassd-ffffffffffffffff"), Hostdev(after, "ua-usbpassd-ffffffffffffffff"))); // ours by name, but PCI
        Assert.True(XNode.DeepEquals(Hostdev(before, Scanner), Hostdev(after, Scanner))); // not named in the targets
        Assert.True(XNode.DeepEquals(before.Root!.Element("metadata"), after.Root!.Element("metadata")));
        Assert.Equal("optional", (string?)Hostdev(after, Bare).Element("source")!.Attribute("startupPolicy")); // added where there was none
    }

    [Fact]
    public void A_hostdev_without_a_source_address_gets_one()
    {
        const string xml = """
            <domain><name>erp</name><uuid>6f1c0a3e-0000-4000-8000-000000000001</uuid><devices>
            <hostdev mode='subsystem' type='usb'><source><vendor id='0x096e'/><product id='0x0006'/></source><alias name='ua-usbpassd-0123456789abcdef'/></hostdev>
            </devices></domain>
            """;
        XElement address = Hostdev(XDocument.Parse(IncomingDomain.Read(xml).Rewrite(new Dictionary<string, HostdevTarget> { [Key] = new(2, 9, false) })), Key).Element("source")!.Element("address")!;
        Assert.Equal(("2", "9"), ((string?)address.Attribute("bus"), (string?)address.Attribute("device")));
    }

    [Fact]
    public void Rewriting_twice_from_one_read_starts_from_the_original_each_time()
    {
        IncomingDomain d = IncomingDomain.Read(Xml);
        d.Rewrite(new Dictionary<string, HostdevTarget> { [Key] = new(1, 127, true) });
        XElement source = Hostdev(XDocument.Parse(d.Rewrite(new Dictionary<string, HostdevTarget>())), Key).Element("source")!;
        Assert.Equal(("mandatory", "5"), ((string?)source.Attribute("startupPolicy"), (string?)source.Element("address")!.Attribute("device")));
    }
}
