using System.Text.Json;
using UsbPassd.Testing;
using UsbPassd.Testing.Lab;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Lab;

/// <summary>
/// One lab host for the whole lab tier (each takes 3 GiB and both cores), booted with the devices
/// of <see cref="AtBoot"/>. Tests that plug more devices unplug them again.
/// Its 127.0.0.1:<see cref="LabPlacement.Port"/> leads back to this machine (<see cref="LabPlacement"/>):
/// its one way out, with no route to anything else.
/// </summary>
public sealed class LabFixture : IAsyncLifetime
{
    public static readonly UsbStorage Key = new("key", "1", Serial: "KEY-0001");
    public static readonly UsbCcid Reader = new("reader", "2");
    public static readonly UsbHub Hub = new("hub", "3");
    public static readonly UsbKeyboard BehindHub = new("kbd-hub", "3.1");
    public static readonly UsbSerialAdapter SerialBehindHub = new("serial-hub", "3.2");
    public static readonly UsbKeyboard EhciKeyboard = new("kbd-ehci", "1", LabController.Ehci);

    public static IReadOnlyList<LabDevice> AtBoot { get; } = [Key, Reader, Hub, BehindHub, SerialBehindHub, EhciKeyboard];

    private LabHost? _lab;

    public LabHost Lab => _lab ?? throw new InvalidOperationException("the lab host did not boot");

    /// <summary>Where the tests' progress goes (the test output of whoever uses the fixture).</summary>
    public ITestOutputHelper? Output { get; set; }

    public async Task InitializeAsync() =>
        _lab = await LabHost.BootAsync(AtBoot, new LabProgress(m => Report(Output, m)), forwards: [LabPlacement.Port]);

    /// <summary>A fixture's progress: to the current test's <paramref name="output"/>; boot and shutdown happen outside any test, so their lines go to stderr, which the runner shows.</summary>
    internal static void Report(ITestOutputHelper? output, string message)
    {
        if (output is null)
        {
            Console.Error.WriteLine(message);
            return;
        }

        try
        {
            output.WriteLine(message);
        }
        catch (InvalidOperationException)
        {
            Console.Error.WriteLine(message);
        }
    }

    public async Task DisposeAsync()
    {
        if (_lab is not null)
        {
            await _lab.DisposeAsync();
        }
    }

    /// <summary>usbpassctl scan --json, run inside the lab host on its real /sys.</summary>
    public async Task<List<JsonElement>> ScanAsync()
    {
        string json = await Lab.RunAsync($"{Shipped.Usbpassctl} scan --json");
        using JsonDocument doc = JsonDocument.Parse(json);
        return [.. doc.RootElement.EnumerateArray().Select(e => e.Clone())];
    }
}

[CollectionDefinition(Name)]
public sealed class LabGroup : ICollectionFixture<LabFixture>
{
    public const string Name = "lab";
}
