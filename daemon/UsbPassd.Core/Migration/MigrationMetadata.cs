using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace UsbPassd.Migration;

/// <summary>What the source says about one of our hostdevs: which device it is and what a migration does with it.</summary>
public sealed record MigrationEntry(string Alias, string DevId, string VendorId, string ProductId, MigrationDecision Migration, string? Label);

/// <summary>
/// Our element in a domain's &lt;metadata&gt; (virDomainSetMetadata, key <see cref="Key"/>, namespace
/// <see cref="Namespace"/>): one &lt;device&gt; per hostdev we attached. It travels with the domain, so
/// a live migration's destination finds in the incoming XML what the source decided, without
/// asking the source. Written with an XmlWriter, read with the DTD-refusing parser.
/// </summary>
public static class MigrationMetadata
{
    public const string Key = "usbpassd";
    public const string Namespace = "https://usbpassd.org/xmlns/domain/1";

    /// <summary>
    /// The element for virDomainSetMetadata (libvirt puts it into our namespace); null when there is nothing to say.
    /// An entry XML cannot hold (a dev_id's serial may carry ESC or other C0 controls, which XML 1.0 has
    /// no way to write) is left out rather than failing the attach that writes it: the destination then
    /// refuses that device, the safe side, and the domain's other entries still travel.
    /// </summary>
    public static string? Build(IEnumerable<MigrationEntry> entries)
    {
        MigrationEntry[] all = [.. entries.Where(Writable)];
        if (all.Length == 0)
        {
            return null;
        }

        var text = new StringBuilder();
        using (var w = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true }))
        {
            w.WriteStartElement("devices", Namespace);
            foreach (MigrationEntry e in all)
            {
                w.WriteStartElement("device", Namespace);
                w.WriteAttributeString("alias", e.Alias);
                w.WriteAttributeString("dev_id", e.DevId);
                w.WriteAttributeString("vendor", e.VendorId);
                w.WriteAttributeString("product", e.ProductId);
                w.WriteAttributeString("migration", e.Migration.Name());
                if (e.Label is not null)
                {
                    w.WriteAttributeString("label", e.Label);
                }

                w.WriteEndElement();
            }

            w.WriteEndElement();
        }

        return text.ToString();
    }

    private static bool Writable(MigrationEntry e) => ((string[])[e.Alias, e.DevId, e.VendorId, e.ProductId, e.Label ?? ""]).All(XmlCanHold);

    private static bool XmlCanHold(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (XmlConvert.IsXmlChar(s[i]))
            {
                continue;
            }

            if (i + 1 < s.Length && XmlConvert.IsXmlSurrogatePair(lowChar: s[i + 1], highChar: s[i]))
            {
                i++;
                continue;
            }

            return false;
        }

        return true;
    }

    /// <summary>Our entries in a domain's XML, by alias; entries with a word we do not know are left out (the caller's default applies).</summary>
    public static IReadOnlyDictionary<string, MigrationEntry> Read(XDocument domain)
    {
        XNamespace ns = Namespace;
        var entries = new Dictionary<string, MigrationEntry>(StringComparer.Ordinal);
        foreach (XElement d in domain.Root?.Element("metadata")?.Elements(ns + "devices").Elements(ns + "device") ?? [])
        {
            if ((string?)d.Attribute("alias") is string alias && (string?)d.Attribute("dev_id") is string devId
                && (string?)d.Attribute("vendor") is string vendor && (string?)d.Attribute("product") is string product
                && MigrationDecisions.Parse((string?)d.Attribute("migration")) is MigrationDecision decision)
            {
                entries.TryAdd(alias, new MigrationEntry(alias, devId, vendor, product, decision, (string?)d.Attribute("label")));
            }
        }

        return entries;
    }
}
