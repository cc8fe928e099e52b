using UsbPassd.Placement;

namespace UsbPassd.Tests.Unit.Placement;

/// <summary>The names written into Placement: pure functions of the device, valid for Placement, never shared by two devices.</summary>
public sealed class PlacementNamesTests
{
    [Fact]
    public void Name_based_uuids_follow_rfc_9562_version_5()
    {
        // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
        Assert.Equal(new Guid("886313e1-3b8a-5372-9b90-0c9aee199e5d"), NameBasedUuid.Create(new Guid("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "python.org"));
    }

    [Fact]
    public void A_device_provider_is_a_function_of_the_root_name_and_the_dev_id_only()
    {
        Guid a = PlacementNames.DeviceProvider("compute-1", "0781:5567:ABC123");

        Assert.Equal(a, PlacementNames.DeviceProvider("compute-1", "0781:5567:ABC123"));
        Assert.NotEqual(a, PlacementNames.DeviceProvider("compute-2", "0781:5567:ABC123"));
        Assert.NotEqual(a, PlacementNames.DeviceProvider("compute-1", "0781:5567:ABC124"));
        Assert.Equal(5, a.Version);
        Assert.NotEqual(PlacementNames.RootProvider("compute-1"), a);
    }

    [Fact]
    public void Provider_names_carry_the_root_the_ids_and_part_of_the_uuid_and_fit_placement()
    {
        Guid uuid = PlacementNames.DeviceProvider("compute-1", "0781:5567:ABC123");

        Assert.Equal($"compute-1_usb_0781_5567_{uuid:N}"[..36], PlacementNames.DeviceProviderName("compute-1", "0781", "5567", uuid));
        Assert.True(PlacementNames.IsDeviceProviderName("compute-1", PlacementNames.DeviceProviderName("compute-1", "0781", "5567", uuid)));
        Assert.False(PlacementNames.IsDeviceProviderName("compute-1", "compute-1_0000:00:1f.0"));
        string longRoot = new('h', 250);
        Assert.Equal(PlacementNames.MaxProviderNameLength, PlacementNames.DeviceProviderName(longRoot, "0781", "5567", uuid).Length);
    }

    [Theory]
    [InlineData("0781", "5567", "CUSTOM_USB_0781_5567")]
    [InlineData("1d6b", "000a", "CUSTOM_USB_1D6B_000A")]
    public void Resource_classes_are_upper_case_hex(string vendor, string product, string expected) =>
        Assert.Equal(expected, PlacementNames.ResourceClass(vendor, product));

    [Theory]
    [InlineData("ABC123", "CUSTOM_USB_SERIAL_ABC123")]
    [InlineData("4C530001071107105463", "CUSTOM_USB_SERIAL_4C530001071107105463")]
    public void A_serial_of_upper_case_letters_and_digits_is_its_own_trait(string serial, string trait) =>
        Assert.Equal(trait, PlacementNames.SerialTrait(serial));

    [Theory]
    [InlineData("abc123")]
    [InlineData("KEY-1-1")]
    [InlineData("0000:00:14.0")]
    [InlineData("ünïcode serial")]
    [InlineData("a")]
    public void Any_other_serial_is_cleaned_and_hashed_into_a_valid_trait(string serial)
    {
        string trait = PlacementNames.SerialTrait(serial)!;

        Assert.True(PlacementNames.IsValidCustomName(trait), trait);
        Assert.Matches("_H[0-9A-F]{10}$", trait);
    }

    [Fact]
    public void Serials_that_clean_to_the_same_text_still_get_different_traits()
    {
        string[] serials = ["ab-1", "AB_1", "ab_1", "AB-1", "ab 1", "AB1", "ab1", "Ab1"];

        string[] traits = [.. serials.Select(s => PlacementNames.SerialTrait(s)!)];

        Assert.Equal(serials.Length, traits.Distinct(StringComparer.Ordinal).Count());
        Assert.All(traits, t => Assert.True(PlacementNames.IsValidCustomName(t), t));
    }

    [Fact]
    public void A_serial_too_long_for_a_trait_is_cut_and_hashed_so_two_long_serials_stay_apart()
    {
        string a = new('A', 300);
        string b = new string('A', 299) + "B";

        Assert.Equal(PlacementNames.MaxTraitLength, PlacementNames.SerialTrait(a)!.Length);
        Assert.NotEqual(PlacementNames.SerialTrait(a), PlacementNames.SerialTrait(b));
        Assert.True(PlacementNames.IsValidCustomName(PlacementNames.SerialTrait(b)!));
    }

    [Fact]
    public void No_serial_no_trait()
    {
        Assert.Null(PlacementNames.SerialTrait(null));
        Assert.Null(PlacementNames.SerialTrait(""));
    }

    [Theory]
    [InlineData("licence key", "CUSTOM_LICENCE_KEY")]
    [InlineData("custom_gpu-dongle", "CUSTOM_GPU_DONGLE")]
    [InlineData("CUSTOM_X", "CUSTOM_X")]
    public void Operator_traits_are_normalised_as_nova_does(string name, string trait) =>
        Assert.Equal(trait, PlacementNames.OperatorTrait(name));

    [Theory]
    [InlineData("CUSTOM_A", true)]
    [InlineData("CUSTOM_", false)]
    [InlineData("CUSTOM_a", false)]
    [InlineData("HW_CPU_X86_AVX", false)]
    public void Valid_custom_names(string name, bool valid) => Assert.Equal(valid, PlacementNames.IsValidCustomName(name));

    [Fact]
    public void Interface_classes_and_labels_become_traits()
    {
        Assert.Equal("CUSTOM_USB_CLASS_08", PlacementNames.ClassTrait("08"));
        Assert.Equal("CUSTOM_USB_CLASS_FF", PlacementNames.ClassTrait("ff"));
        Assert.StartsWith("CUSTOM_USB_LABEL_TEST_KEYS_H", PlacementNames.LabelTrait("test keys"), StringComparison.Ordinal);
        Assert.Equal("CUSTOM_USB_LABEL_LICENCE", PlacementNames.LabelTrait("LICENCE"));
    }
}
