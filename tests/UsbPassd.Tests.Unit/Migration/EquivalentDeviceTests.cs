using UsbPassd.Migration;
using UsbPassd.Registry;

namespace UsbPassd.Tests.Unit.Migration;

/// <summary>The destination picks a free device of the same model (and label), or says why none.</summary>
public sealed class EquivalentDeviceTests
{
    private static DeviceRow Row(string port, string vid = "096e", string pid = "0006", string? owner = null, long eligible = 1, long present = 1, long ambiguous = 0) =>
        new() { PortId = port, VendorId = vid, ProductId = pid, InstanceUuid = owner, Eligible = eligible, Present = present, Ambiguous = ambiguous, DevId = $"{vid}:{pid}:{port}" };

    private static (DeviceRow? Chosen, string? Refusal) Choose(string? label, params DeviceRow[] rows) =>
        EquivalentDevice.Choose("096e", "0006", label, rows, r => r.PortId == "1-3" ? "scanner" : null, "erp");

    [Fact]
    public void The_first_free_eligible_device_of_the_model_by_port_is_chosen()
    {
        (DeviceRow? chosen, string? refusal) = Choose(null, Row("1-4"), Row("1-2", owner: "other"), Row("1-1", vid: "0781"), Row("1-3"));
        Assert.Null(refusal);
        Assert.Equal("1-3", chosen!.PortId);
    }

    [Fact]
    public void A_label_narrows_the_choice() =>
        Assert.Equal("1-3", Choose("scanner", Row("1-1"), Row("1-3")).Chosen!.PortId);

    [Theory]
    [InlineData(null, "none is plugged in here")]
    [InlineData("printer", "none is plugged in here")]
    public void No_device_of_the_model_says_so(string? label, string why)
    {
        string refusal = Choose(label, Row("1-1", vid: "0781")).Refusal!;
        Assert.Contains(why, refusal, StringComparison.Ordinal);
        Assert.StartsWith("no free 096e:0006", refusal, StringComparison.Ordinal);
        Assert.EndsWith("free one or migrate elsewhere", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_reason_a_present_device_is_not_taken_is_told_apart()
    {
        Assert.Contains("all 2 here are held by other instances", Choose(null, Row("1-1", owner: "a"), Row("1-2", owner: "b")).Refusal!, StringComparison.Ordinal);
        Assert.Contains("1 here may not be passed", Choose(null, Row("1-1", eligible: 0), Row("1-2", owner: "b")).Refusal!, StringComparison.Ordinal);
        Assert.Contains("2 plugged in here, none labelled 'printer'", Choose("printer", Row("1-1"), Row("1-2")).Refusal!, StringComparison.Ordinal);
        Assert.Contains("none is plugged in here", Choose(null, Row("1-1", present: 0)).Refusal!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("refuse", MigrationDecision.Refuse)]
    [InlineData("equivalent", MigrationDecision.Equivalent)]
    [InlineData("drop", MigrationDecision.Drop)]
    public void Decisions_read_and_write_the_same_words(string word, MigrationDecision d)
    {
        Assert.Equal(d, MigrationDecisions.Parse(word));
        Assert.Equal(word, d.Name());
    }

    [Fact]
    public void A_key_known_by_its_serial_is_refused_by_default_and_a_serialless_device_is_fungible()
    {
        Assert.Equal(MigrationDecision.Refuse, MigrationDecisions.Default("4C530001071107105463"));
        Assert.Equal(MigrationDecision.Equivalent, MigrationDecisions.Default(null));
        Assert.Null(MigrationDecisions.Parse("Refuse"));
    }
}
