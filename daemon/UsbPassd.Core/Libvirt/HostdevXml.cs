using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml;

namespace UsbPassd.Libvirt;

/// <summary>
/// The &lt;hostdev&gt; element for one USB device, written with an XmlWriter (never concatenated):
/// libvirt selects the host device by bus+device (pinned to this enumeration) and vendor+product
/// (checked against it), the user alias lets us detach by alias and recognise our own hostdevs, and
/// startupPolicy decides whether a VM boots when the device is absent.
/// </summary>
public static class HostdevXml
{
    public const string AliasPrefix = "ua-usbpassd-";

    /// <summary>The alias of a device's hostdev: stable for its dev_id, so a replugged device gets the same one.</summary>
    public static string Alias(string devId) =>
        AliasPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(devId)))[..16];

    public static string Build(ushort vendorId, ushort productId, int bus, int device, string alias, string startupPolicy, GuestUsbAddress? guest = null)
    {
        if (startupPolicy is not ("optional" or "mandatory" or "requisite"))
        {
            throw new ArgumentException($"startupPolicy must be optional, mandatory or requisite, not '{startupPolicy}'", nameof(startupPolicy));
        }

        var text = new StringBuilder();
        using (var w = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true, Indent = false }))
        {
            w.WriteStartElement("hostdev");
            w.WriteAttributeString("mode", "subsystem");
            w.WriteAttributeString("type", "usb");
            w.WriteStartElement("source");
            w.WriteAttributeString("startupPolicy", startupPolicy);
            Id(w, "vendor", vendorId);
            Id(w, "product", productId);
            w.WriteStartElement("address");
            w.WriteAttributeString("bus", bus.ToString(CultureInfo.InvariantCulture));
            w.WriteAttributeString("device", device.ToString(CultureInfo.InvariantCulture));
            w.WriteEndElement();
            w.WriteEndElement();
            if (guest is not null)
            {
                GuestAddress(w, guest);
            }

            w.WriteStartElement("alias");
            w.WriteAttributeString("name", alias);
            w.WriteEndElement();
            w.WriteEndElement();
        }

        return text.ToString();
    }

    /// <summary>A USB controller for a stopped domain's definition; xHCI gets the most ports libvirt allows.</summary>
    public static string Controller(string model, int index)
    {
        var text = new StringBuilder();
        using (var w = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true, Indent = false }))
        {
            w.WriteStartElement("controller");
            w.WriteAttributeString("type", "usb");
            w.WriteAttributeString("index", index.ToString(CultureInfo.InvariantCulture));
            w.WriteAttributeString("model", model);
            if (model is "qemu-xhci" or "nec-xhci")
            {
                w.WriteAttributeString("ports", "15");
            }

            w.WriteEndElement();
        }

        return text.ToString();
    }

    private static void GuestAddress(XmlWriter w, GuestUsbAddress guest)
    {
        w.WriteStartElement("address");
        w.WriteAttributeString("type", "usb");
        w.WriteAttributeString("bus", guest.Bus.ToString(CultureInfo.InvariantCulture));
        if (guest.Port is not null)
        {
            w.WriteAttributeString("port", guest.Port);
        }

        w.WriteEndElement();
    }

    private static void Id(XmlWriter w, string element, ushort id)
    {
        w.WriteStartElement(element);
        w.WriteAttributeString("id", $"0x{id:x4}");
        w.WriteEndElement();
    }
}
