using UsbPassd.Placement;
using UsbPassd.Registry;

namespace UsbPassd.Tests.Unit.Placement;

/// <summary>What a registry row should be in Placement: offered or not, reserved or not, with which traits.</summary>
public sealed class DeviceOffersTests
{
    private const string Info = """{"is_hub": false, "device_class": "00", "interfaces": [{"number": 0, "class": "08"}, {"number": 1, "class": "03"}], "policy_rule": "rule 1 'allow id 0781:*' (label: keys)", "other": 1}""";

    private static readonly DeviceOffers Offers = new(
        "compute-1",
        rule => rule == "rule 1 'allow id 0781:*' (label: keys)" ? "keys" : null,
        new Dictionary<string, IReadOnlyList<string>> { ["0781:5567:ABC"] = ["CUSTOM_LICENCE"] });

    private static DeviceRow Row(string status = DeviceStatus.Available, string? owner = null, string? info = Info) => new()
    {
        Id = 7,
        ComputeNodeId = RegistryDatabase.LocalComputeNodeId,
        DevId = "0781:5567:ABC",
        VendorId = "0781",
        ProductId = "5567",
        Serial = "ABC",
        Status = status,
        InstanceUuid = owner,
        Present = 1,
        Eligible = 1,
        ExtraInfo = info,
    };

    [Fact]
    public void An_available_device_is_offered_free_with_every_trait()
    {
        DeviceOffer offer = Offers.For(Row())!;

        Assert.True(offer.Offered);
        Assert.Equal(0, offer.Reserved);
        Assert.Equal(PlacementNames.DeviceProvider("compute-1", "0781:5567:ABC"), offer.Uuid);
        Assert.Equal("CUSTOM_USB_0781_5567", offer.ResourceClass);
        Assert.Equal(["CUSTOM_LICENCE", "CUSTOM_USBPASSD_DEVICE", "CUSTOM_USB_CLASS_03", "CUSTOM_USB_CLASS_08", "CUSTOM_USB_LABEL_KEYS_H" + offer.Traits.Single(t => t.StartsWith("CUSTOM_USB_LABEL_", StringComparison.Ordinal))[^10..], "CUSTOM_USB_SERIAL_ABC"], offer.Traits);
    }

    [Theory]
    [InlineData(DeviceStatus.Reserved, "6f1c0a8e-3f0d-4a55-9a43-7f2c1c1e9b10")]
    [InlineData(DeviceStatus.Attached, "6f1c0a8e-3f0d-4a55-9a43-7f2c1c1e9b10")]
    [InlineData(DeviceStatus.Attaching, "6f1c0a8e-3f0d-4a55-9a43-7f2c1c1e9b10")]
    public void A_device_owned_here_is_reserved_with_its_owner(string status, string owner)
    {
        DeviceOffer offer = Offers.For(Row(status, owner))!;

        Assert.True(offer.Offered);
        Assert.Equal(owner, offer.LocalOwner);
        Assert.Equal(1, offer.Reserved);
    }

    [Theory]
    [InlineData(DeviceStatus.External)]
    [InlineData(DeviceStatus.Blocked)]
    [InlineData(DeviceStatus.Ambiguous)]
    [InlineData(DeviceStatus.Failed)]
    public void Held_elsewhere_blocked_ambiguous_or_failed_is_not_offered(string status)
    {
        DeviceOffer offer = Offers.For(Row(status))!;

        Assert.False(offer.Offered);
        Assert.Equal(1, offer.Reserved);
    }

    [Fact]
    public void Missing_ambiguous_ineligible_and_deleted_rows_are_not_offered()
    {
        DeviceRow missing = Row(DeviceStatus.Missing, "6f1c0a8e-3f0d-4a55-9a43-7f2c1c1e9b10");
        missing.Present = 0;
        DeviceRow ambiguous = Row();
        ambiguous.Ambiguous = 1;
        DeviceRow ineligible = Row();
        ineligible.Eligible = 0;
        DeviceRow deleted = Row(DeviceStatus.Deleted);
        deleted.Deleted = 7;

        Assert.All(new[] { missing, ambiguous, ineligible, deleted }, r => Assert.False(Offers.For(r)!.Offered));
        Assert.Equal(1, Offers.For(deleted)!.Reserved);
    }

    [Fact]
    public void Hubs_rows_without_ids_and_other_hosts_rows_never_have_a_provider()
    {
        DeviceRow noIds = Row();
        noIds.VendorId = null;
        DeviceRow otherHost = Row();
        otherHost.ComputeNodeId = 2;

        Assert.Null(Offers.For(Row(info: """{"is_hub": true, "interfaces": [{"class": "09"}]}""")));
        Assert.Null(Offers.For(noIds));
        Assert.Null(Offers.For(otherHost));
    }

    [Fact]
    public void A_seed_era_row_without_facts_is_offered_with_the_serial_and_the_marker()
    {
        DeviceOffer offer = Offers.For(Row(info: null))!;

        Assert.Equal(["CUSTOM_LICENCE", "CUSTOM_USBPASSD_DEVICE", "CUSTOM_USB_SERIAL_ABC"], offer.Traits);
        Assert.Equal(offer.Traits, Offers.For(Row(info: "not json"))!.Traits);
    }
}
