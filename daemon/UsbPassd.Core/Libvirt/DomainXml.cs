using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace UsbPassd.Libvirt;

/// <summary>A USB &lt;hostdev&gt; found in a domain's XML.</summary>
public sealed record DomainHostdev(string? Alias, ushort? VendorId, ushort? ProductId, int? Bus, int? Device, string? StartupPolicy)
{
    public bool IsOurs => Alias?.StartsWith(HostdevXml.AliasPrefix, StringComparison.Ordinal) == true;
}

/// <summary>Reads what matters to us out of a domain's XML: its USB hostdevs (controllers and ports: <see cref="GuestUsbPorts"/>).</summary>
public static class DomainXml
{
    // XDocument.Parse expands a DTD's entities (up to ten million characters for every call).
    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreWhitespace = true, // as XDocument.Parse did
    };

    /// <summary>
    /// The one way usbpassd parses domain XML. libvirt writes it, but its content is whoever defined
    /// the domain's, and the hook hands the daemon whatever it is given on stdin; libvirt never writes a
    /// DTD, so one is refused rather than processed: no entity expansion (a billion laughs), no
    /// external file.
    /// </summary>
    /// <exception cref="XmlException">Not well-formed, or it has a DTD.</exception>
    public static XDocument Parse(string xml)
    {
        using var text = new StringReader(xml);
        using var reader = XmlReader.Create(text, Settings);
        try
        {
            return XDocument.Load(reader);
        }
        catch (XmlException e) when (e.Message.Contains("DTD", StringComparison.Ordinal))
        {
            // .NET's own sentence tells a developer how to allow it; say what it means here.
            throw new XmlException("domain XML with a DTD (<!DOCTYPE ...>) is refused: libvirt never writes one, and its entities could expand without bound", e, e.LineNumber, e.LinePosition);
        }
    }

    public static IReadOnlyList<DomainHostdev> UsbHostdevs(string xml) =>
        [.. Parse(xml).Descendants("devices").Elements("hostdev")
            .Where(h => (string?)h.Attribute("type") == "usb")
            .Select(h =>
            {
                XElement? source = h.Element("source");
                XElement? address = source?.Element("address");
                return new DomainHostdev(
                    (string?)h.Element("alias")?.Attribute("name"),
                    Hex((string?)source?.Element("vendor")?.Attribute("id")),
                    Hex((string?)source?.Element("product")?.Attribute("id")),
                    Number((string?)address?.Attribute("bus")),
                    Number((string?)address?.Attribute("device")),
                    (string?)source?.Attribute("startupPolicy"));
            })];

    private static ushort? Hex(string? text) =>
        text is not null && text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
        && ushort.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ushort v) ? v : null;

    private static int? Number(string? text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : null;
}
