using System.Xml.Linq;
using UsbPassd.Migration;

namespace UsbPassd.Tests.Unit.Migration;

/// <summary>Our element in a domain's &lt;metadata&gt;: what the source writes is what the destination reads, whatever the strings hold.</summary>
public sealed class MigrationMetadataTests
{
    private static readonly MigrationEntry Key = new("ua-usbpassd-0123456789abcdef", "096e:0006:4C530001", "096e", "0006", MigrationDecision.Refuse, "licence keys");
    private static readonly MigrationEntry Scanner = new("ua-usbpassd-fedcba9876543210", "04a9:31c0:1-3", "04a9", "31c0", MigrationDecision.Equivalent, null);
    private static readonly MigrationEntry Stick = new("ua-usbpassd-00000000000000aa", "0781:5567:1-4", "0781", "5567", MigrationDecision.Drop, "");

    // As libvirt hands it back: our element inside <metadata>, beside anybody else's.
    private static XDocument Domain(string? ours, string others = "") =>
        XDocument.Parse($"<domain type='kvm'><name>erp</name><uuid>6f1c0a3e-0000-4000-8000-000000000001</uuid><metadata>{others}{ours}</metadata></domain>");

    [Fact]
    public void What_is_built_reads_back_entry_for_entry_by_alias()
    {
        IReadOnlyDictionary<string, MigrationEntry> read = MigrationMetadata.Read(Domain(MigrationMetadata.Build([Key, Scanner, Stick])));

        Assert.Equal(3, read.Count);
        Assert.Equal(Key, read[Key.Alias]);
        Assert.Equal(Scanner, read[Scanner.Alias]);
        Assert.Equal(Stick, read[Stick.Alias]); // an empty label stays empty, not absent
        Assert.Null(read[Scanner.Alias].Label);
    }

    [Fact]
    public void The_element_is_in_our_namespace_with_the_attributes_the_design_names()
    {
        XElement devices = XElement.Parse(MigrationMetadata.Build([Key])!);
        Assert.Equal(XName.Get("devices", MigrationMetadata.Namespace), devices.Name);
        XElement device = Assert.Single(devices.Elements());
        Assert.Equal(XName.Get("device", MigrationMetadata.Namespace), device.Name);
        Assert.Equal(["alias", "dev_id", "vendor", "product", "migration", "label"], device.Attributes().Select(a => a.Name.LocalName));
        Assert.Equal("refuse", (string?)device.Attribute("migration"));
    }

    [Fact]
    public void Nothing_to_say_builds_nothing() => Assert.Null(MigrationMetadata.Build([]));

    [Theory]
    [InlineData("it's a \"key\"")]
    [InlineData("]]> <device alias='x'/> <!-- & &amp; <![CDATA[")]
    [InlineData("tab\there, line\nbreak, return\r, and é ü 漢字 😀")]
    [InlineData("'/><device alias=\"ua-usbpassd-evil\" dev_id=\"x\" vendor=\"1\" product=\"2\" migration=\"drop\"/><x a='")]
    public void Hostile_labels_and_dev_ids_are_escaped_and_read_back_identical(string hostile)
    {
        var entry = Key with { Label = hostile, DevId = "096e:0006:" + hostile };
        string built = MigrationMetadata.Build([entry])!;

        IReadOnlyDictionary<string, MigrationEntry> read = MigrationMetadata.Read(Domain(built));
        Assert.Equal(entry, Assert.Single(read.Values)); // one entry: nothing injected a second
    }

    [Fact]
    public void A_very_long_label_reads_back_whole()
    {
        var entry = Scanner with { Label = string.Concat(Enumerable.Repeat("<&'\"]]>", 200_000)) };
        Assert.Equal(entry, MigrationMetadata.Read(Domain(MigrationMetadata.Build([entry]))).Single().Value);
    }

    [Theory]
    [InlineData("\u001b[31mKEY")] // a serial with ESC: SysfsText keeps it, XML 1.0 cannot write it
    [InlineData("bell\u0007")]
    [InlineData("not a character: \uFFFE")]
    public void An_entry_XML_cannot_hold_is_left_out_and_the_others_still_travel(string unwritable)
    {
        // Before: XmlWriter threw ArgumentException out of the attach that had just succeeded.
        IReadOnlyDictionary<string, MigrationEntry> read = MigrationMetadata.Read(Domain(MigrationMetadata.Build([Key with { DevId = "096e:0006:" + unwritable }, Scanner, Stick with { Label = unwritable }])));
        Assert.Equal([Scanner.Alias], read.Keys);
        Assert.Null(MigrationMetadata.Build([Key with { Label = unwritable }]));
    }

    [Fact]
    public void A_lone_surrogate_is_left_out_too() =>
        Assert.Null(MigrationMetadata.Build([Key with { Label = "half of \ud83d" }]));

    [Fact]
    public void Characters_XML_can_hold_are_kept_C1_controls_and_astral_pairs_included()
    {
        var entry = Key with { DevId = "096e:0006:\u0085\u009b\U0001F600", Label = "\uFFFD\u200e" };
        Assert.Equal(entry, Assert.Single(MigrationMetadata.Read(Domain(MigrationMetadata.Build([entry]))).Values));
    }

    [Fact]
    public void An_entry_with_a_word_we_do_not_know_is_left_out_and_the_others_kept()
    {
        string built = MigrationMetadata.Build([Key, Scanner])!.Replace("migration=\"equivalent\"", "migration=\"teleport\"", StringComparison.Ordinal);
        IReadOnlyDictionary<string, MigrationEntry> read = MigrationMetadata.Read(Domain(built));
        Assert.Equal([Key.Alias], read.Keys);
    }

    [Fact]
    public void An_entry_missing_an_attribute_is_left_out()
    {
        string built = MigrationMetadata.Build([Key])!.Replace(" vendor=\"096e\"", "", StringComparison.Ordinal);
        Assert.Empty(MigrationMetadata.Read(Domain(built)));
    }

    [Fact]
    public void Elements_of_other_namespaces_and_none_are_ignored_even_when_they_look_like_ours()
    {
        string lookalike = MigrationMetadata.Build([Stick])!.Replace(MigrationMetadata.Namespace, "https://example.org/other", StringComparison.Ordinal);
        const string bare = "<devices><device alias='ua-usbpassd-00000000000000bb' dev_id='a' vendor='1' product='2' migration='drop'/></devices>";
        const string nova = "<nova:instance xmlns:nova='http://openstack.org/xmlns/libvirt/nova/1.1'><nova:name>erp</nova:name></nova:instance>";

        IReadOnlyDictionary<string, MigrationEntry> read = MigrationMetadata.Read(Domain(MigrationMetadata.Build([Key]), nova + lookalike + bare));
        Assert.Equal([Key.Alias], read.Keys);
        Assert.Empty(MigrationMetadata.Read(Domain(null, nova + lookalike + bare)));
    }

    [Fact]
    public void A_domain_without_metadata_has_no_entries() =>
        Assert.Empty(MigrationMetadata.Read(XDocument.Parse("<domain><name>erp</name></domain>")));

    [Fact]
    public void The_first_entry_of_an_alias_wins()
    {
        string two = MigrationMetadata.Build([Key, Key with { Migration = MigrationDecision.Drop }])!;
        Assert.Equal(MigrationDecision.Refuse, MigrationMetadata.Read(Domain(two))[Key.Alias].Migration);
    }
}
