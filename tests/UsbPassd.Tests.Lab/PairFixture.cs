using UsbPassd.Testing.Lab;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Lab;

/// <summary>
/// Two lab hosts on a private link (<see cref="LabPair"/>) for the two-host tests: A with one stick, B
/// with two of the same vendor:product (46f4:0001), so that a migration has a look-alike to choose from.
/// Like <see cref="LabFixture"/>, each host's 127.0.0.1:<see cref="LabPlacement.Port"/> leads back to this
/// machine, so one Placement can serve both.
/// <para>
/// Its collection (<see cref="PairGroup"/>) is not the one-host <see cref="LabGroup"/>: xunit creates a
/// collection fixture when its collection starts and disposes it when that collection ends, and the lab
/// tier runs one collection at a time (xunit.runner.json), so the one-host L1 is already stopped when the
/// pair boots, whichever collection runs first: never more than two L1s at once.
/// </para>
/// </summary>
public sealed class PairFixture : IAsyncLifetime
{
    public static readonly UsbStorage StickA = new("mig-a", "1", Serial: "MIG-A-0001");
    public static readonly UsbStorage StickB1 = new("mig-b1", "1", Serial: "MIG-B-0001");
    public static readonly UsbStorage StickB2 = new("mig-b2", "2", Serial: "MIG-B-0002");

    public static IReadOnlyList<LabDevice> AtBootA { get; } = [StickA];

    public static IReadOnlyList<LabDevice> AtBootB { get; } = [StickB1, StickB2];

    private LabPair? _pair;

    public LabPair Pair => _pair ?? throw new InvalidOperationException("the lab pair did not boot");

    /// <summary>Where the tests' progress goes (the test output of whoever uses the fixture).</summary>
    public ITestOutputHelper? Output { get; set; }

    public async Task InitializeAsync() =>
        _pair = await LabPair.BootAsync(AtBootA, AtBootB, new LabProgress(m => LabFixture.Report(Output, m)), forwards: [LabPlacement.Port]);

    public async Task DisposeAsync()
    {
        if (_pair is not null)
        {
            await _pair.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PairGroup : ICollectionFixture<PairFixture>
{
    public const string Name = "two-host";
}
