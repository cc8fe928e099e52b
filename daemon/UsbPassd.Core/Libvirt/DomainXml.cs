using System.Globalization;
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
    public static IReadOnlyList<DomainHostdev> UsbHostdevs(string xml) =>
        [.. XDocument.Parse(xml).Descendants("devices").Elements("hostdev")
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
