using System.Xml;
using UsbPassd.Libvirt;

namespace UsbPassd.Tests.Unit.Libvirt;

/// <summary>Domain XML is parsed without a DTD: what libvirt writes reads as before; entities are refused, not expanded.</summary>
public class DomainXmlTests
{
    // As virsh dumpxml writes a running domain (trimmed), with one of our hostdevs.
    private const string Libvirt = """
        <domain type='kvm' id='3'>
          <name>erp-vm</name>
          <uuid>6f1c0a3e-0000-4000-8000-000000000007</uuid>
          <memory unit='KiB'>1048576</memory>
          <os>
            <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
          </os>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <controller type='usb' index='0' model='qemu-xhci' ports='15'>
              <alias name='usb'/>
              <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
            </controller>
            <hostdev mode='subsystem' type='usb' managed='no'>
              <source startupPolicy='optional'>
                <vendor id='0x46f4'/>
                <product id='0x0001'/>
                <address bus='2' device='3'/>
              </source>
              <alias name='ua-usbpassd-0123456789abcdef'/>
              <address type='usb' bus='0' port='1'/>
            </hostdev>
            <!-- a comment libvirt keeps -->
          </devices>
          <seclabel type='dynamic' model='dac' relabel='yes'>
            <label>+64055:+64055</label>
          </seclabel>
        </domain>
        """;

    private const string BillionLaughs = """
        <?xml version="1.0"?>
        <!DOCTYPE domain [
          <!ENTITY lol "lol">
          <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
          <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
          <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
          <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
          <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
          <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
          <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
          <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
          <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
        ]>
        <domain><name>&lol9;</name><devices/></domain>
        """;

    // Small enough for XDocument.Parse's own limit: it was expanded, quietly.
    private const string OneEntity = """
        <!DOCTYPE domain [<!ENTITY vendor "0x46f4">]>
        <domain><devices><hostdev mode='subsystem' type='usb'><source><vendor id='&vendor;'/><product id='0x0001'/></source></hostdev></devices></domain>
        """;

    [Fact]
    public void What_libvirt_writes_still_parses()
    {
        DomainHostdev hostdev = Assert.Single(DomainXml.UsbHostdevs(Libvirt));
        Assert.Equal(("ua-usbpassd-0123456789abcdef", (ushort?)0x46f4, (ushort?)0x0001, (int?)2, (int?)3, "optional"),
            (hostdev.Alias, hostdev.VendorId, hostdev.ProductId, hostdev.Bus, hostdev.Device, hostdev.StartupPolicy));
        GuestUsbBus bus = Assert.Single(GuestUsbPorts.Buses(Libvirt));
        Assert.Equal((15, "1"), (bus.Ports, Assert.Single(bus.Used)));
    }

    [Theory]
    [InlineData(BillionLaughs)]
    [InlineData(OneEntity)]
    public void A_document_with_a_dtd_is_refused_in_words(string xml)
    {
        foreach (Action parse in (Action[])[() => DomainXml.UsbHostdevs(xml), () => GuestUsbPorts.Buses(xml), () => GuestUsbPorts.NextControllerIndex(xml)])
        {
            XmlException e = Assert.Throws<XmlException>(parse);
            Assert.StartsWith("domain XML with a DTD (<!DOCTYPE ...>) is refused", e.Message);
        }
    }

    [Fact]
    public void An_external_entity_is_never_read()
    {
        string secret = Path.GetTempFileName();
        File.WriteAllText(secret, "0x46f4");
        try
        {
            string xml = $"<!DOCTYPE domain [<!ENTITY vendor SYSTEM \"file://{secret}\">]><domain><devices><hostdev type='usb'><source><vendor id='&vendor;'/></source></hostdev></devices></domain>";
            Assert.Throws<XmlException>(() => DomainXml.UsbHostdevs(xml));
        }
        finally
        {
            File.Delete(secret);
        }
    }
}
