using UsbPassd.Migration;

namespace UsbPassd.Tests.Unit.Migration;

/// <summary><c>instances.migration_check</c> per device: each word's outcome, and a sentence that says what to do.</summary>
public sealed class MigrationCheckTests
{
    private static MigrationVerdict Judge(MigrationDecision d, string? label = null) =>
        MigrationCheck.Judge(d, "1-1.5.2.3", "04a9:31c0:C767F1C7", "04a9", "31c0", label, "erp");

    [Fact]
    public void Refuse_blocks_and_names_the_device_and_both_ways_out()
    {
        MigrationVerdict v = Judge(MigrationDecision.Refuse, "cameras");
        Assert.Equal((MigrationCheck.Blocks, true), (v.Outcome, v.Blocks));
        Assert.StartsWith("erp holds 04a9:31c0:C767F1C7 (migration: refuse)", v.Why, StringComparison.Ordinal);
        Assert.Contains("usbpassctl migration 1-1.5.2.3 equivalent", v.Why, StringComparison.Ordinal);
        Assert.Contains("usbpassctl migration 1-1.5.2.3 drop", v.Why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "a free 04a9:31c0: its usbpassd")]
    [InlineData("cameras", "a free 04a9:31c0 labelled 'cameras': its usbpassd")]
    public void Equivalent_does_not_block_here_but_is_a_condition_on_the_destination(string? label, string said)
    {
        MigrationVerdict v = Judge(MigrationDecision.Equivalent, label);
        Assert.Equal((MigrationCheck.NeedsEquivalent, false), (v.Outcome, v.Blocks));
        Assert.Contains(said, v.Why, StringComparison.Ordinal);
        Assert.Contains("refuses the migration otherwise", v.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Drop_migrates_without_the_device_and_says_it_is_released_here()
    {
        MigrationVerdict v = Judge(MigrationDecision.Drop);
        Assert.Equal((MigrationCheck.Dropped, false), (v.Outcome, v.Blocks));
        Assert.Equal("migrates without it; 1-1.5.2.3 is released here when the domain has left", v.Why);
    }

    [Fact]
    public void The_three_outcomes_are_different_words() =>
        Assert.Equal(3, ((MigrationDecision[])[MigrationDecision.Refuse, MigrationDecision.Equivalent, MigrationDecision.Drop]).Select(d => Judge(d).Outcome).Distinct().Count());
}
