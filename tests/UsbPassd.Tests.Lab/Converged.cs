namespace UsbPassd.Tests.Lab;

/// <summary>The registry's present rows (their port_ids) against sysfs's USB devices: what is lost, stale, or there twice.</summary>
public sealed record Converged(string[] Sysfs, string[] Rows)
{
    /// <summary>How many comparisons it took (1: equal at the first look).</summary>
    public int Looks { get; init; }

    /// <summary>In sysfs, with no registry row.</summary>
    public string[] Lost => [.. Sysfs.Except(Rows)];

    /// <summary>A present row for a device sysfs no longer has.</summary>
    public string[] Stale => [.. Rows.Except(Sysfs)];

    /// <summary>A port with more than one present row.</summary>
    public string[] Twice => [.. Rows.GroupBy(r => r).Where(g => g.Count() > 1).Select(g => g.Key)];

    public bool Exact => Lost.Length == 0 && Stale.Length == 0 && Twice.Length == 0;

    public void AssertExact()
    {
        Assert.Empty(Lost);
        Assert.Empty(Stale);
        Assert.Empty(Twice);
    }
}
