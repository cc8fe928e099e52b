using System.Globalization;
using System.Xml.Linq;
using UsbPassd.Libvirt;

namespace UsbPassd.Migration;

/// <summary>One of our hostdevs in an incoming domain, with what the source's metadata says of it (null: nothing).</summary>
public sealed record IncomingHostdev(string Alias, string VendorId, string ProductId, string StartupPolicy, MigrationEntry? Entry);

/// <summary>Where a hostdev of the incoming domain points on this host: a device's bus/device, or nowhere (dropped).</summary>
public sealed record HostdevTarget(int Bus, int Device, bool Dropped);

/// <summary>
/// The domain XML libvirt hands the destination's <c>migrate begin</c> hook: read (its UUID, name,
/// our hostdevs and the source's metadata) and rewritten (our hostdevs pointed at this host's
/// devices). libvirt checks the rewritten XML for ABI stability against the source's: the number
/// and guest addresses of hostdevs must stay, so a dropped device is not removed but pointed at an
/// address where nothing is plugged, with startupPolicy optional (libvirt then marks it missing).
/// </summary>
public sealed class IncomingDomain
{
    private readonly XDocument _doc;

    private IncomingDomain(XDocument doc, string uuid, string name, IReadOnlyList<IncomingHostdev> hostdevs)
    {
        _doc = doc;
        Uuid = uuid;
        Name = name;
        Hostdevs = hostdevs;
    }

    public string Uuid { get; }

    public string Name { get; }

    public IReadOnlyList<IncomingHostdev> Hostdevs { get; }

    /// <exception cref="System.Xml.XmlException">Not well-formed, or has a DTD.</exception>
    /// <exception cref="FormatException">No domain UUID.</exception>
    public static IncomingDomain Read(string xml)
    {
        XDocument doc = DomainXml.Parse(xml);
        XElement root = doc.Root ?? throw new FormatException("the domain XML is empty");
        string uuid = (string?)root.Element("uuid") is string u && Guid.TryParse(u, out Guid g) ? g.ToString() : throw new FormatException("the domain XML has no <uuid>");
        IReadOnlyDictionary<string, MigrationEntry> entries = MigrationMetadata.Read(doc);
        List<IncomingHostdev> ours = [];
        foreach (XElement h in OurHostdevs(doc))
        {
            string alias = (string)h.Element("alias")!.Attribute("name")!;
            XElement? source = h.Element("source");
            ours.Add(new IncomingHostdev(alias, Hex(source?.Element("vendor")), Hex(source?.Element("product")),
                (string?)source?.Attribute("startupPolicy") ?? "mandatory", entries.GetValueOrDefault(alias)));
        }

        return new IncomingDomain(doc, uuid, (string?)root.Element("name") ?? uuid, ours);
    }

    /// <summary>The XML with each of our hostdevs named in <paramref name="targets"/> pointed at its target.</summary>
    public string Rewrite(IReadOnlyDictionary<string, HostdevTarget> targets)
    {
        var doc = new XDocument(_doc);
        foreach (XElement h in OurHostdevs(doc))
        {
            if (!targets.TryGetValue((string)h.Element("alias")!.Attribute("name")!, out HostdevTarget? target))
            {
                continue;
            }

            XElement source = h.Element("source") ?? new XElement("source");
            if (source.Parent is null)
            {
                h.AddFirst(source);
            }

            source.Attribute("missing")?.Remove(); // libvirt's own mark; it looks again on this host
            if (target.Dropped)
            {
                source.SetAttributeValue("startupPolicy", "optional");
            }

            XElement address = source.Element("address") ?? new XElement("address");
            if (address.Parent is null)
            {
                source.Add(address);
            }

            address.SetAttributeValue("bus", target.Bus.ToString(CultureInfo.InvariantCulture));
            address.SetAttributeValue("device", target.Device.ToString(CultureInfo.InvariantCulture));
        }

        return doc.ToString(SaveOptions.DisableFormatting);
    }

    private static IEnumerable<XElement> OurHostdevs(XDocument doc) =>
        (doc.Root?.Element("devices")?.Elements("hostdev") ?? [])
            .Where(h => (string?)h.Attribute("type") == "usb" && ((string?)h.Element("alias")?.Attribute("name"))?.StartsWith(HostdevXml.AliasPrefix, StringComparison.Ordinal) == true);

    // libvirt writes 0x46f4; the registry has 46f4.
    private static string Hex(XElement? id) =>
        (string?)id?.Attribute("id") is string text && text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && text.Length == 6
            ? text[2..].ToLowerInvariant()
            : "";
}
