using UsbPassd.Devices;

namespace UsbPassd.Tests.Unit.Devices;

public class LogPrivacyTests
{
    private static readonly LogPrivacy Hide = new(hideSerials: true);

    [Fact]
    public void Serials_in_dev_ids_rules_and_uevents_become_a_short_stable_hash()
    {
        string a = Hide.Scrub("re-attached 0529:0001:LICENCE-0042 → erp");
        Assert.DoesNotContain("LICENCE-0042", a);
        Assert.Matches("^re-attached 0529:0001:#[0-9a-f]{8} → erp$", a);
        Assert.Equal(a, Hide.Scrub("re-attached 0529:0001:LICENCE-0042 → erp"));

        Assert.Matches("""^block: rule 2 'block serial "#[0-9a-f]{8}"'$""", Hide.Scrub("""block: rule 2 'block serial "AB\"C"'"""));
        Assert.Matches("^ID_SERIAL_SHORT=#[0-9a-f]{8} DEVTYPE=usb_device$", Hide.Scrub("ID_SERIAL_SHORT=XYZ123 DEVTYPE=usb_device"));
    }

    [Fact]
    public void Port_based_dev_ids_and_text_without_serials_are_left_alone()
    {
        Assert.Equal("46f4:0001@1-4.2 on 1-4.2", Hide.Scrub("46f4:0001@1-4.2 on 1-4.2"));
        Assert.Equal("0529:0001:SECRET", LogPrivacy.Off.Scrub("0529:0001:SECRET"));
    }
}
