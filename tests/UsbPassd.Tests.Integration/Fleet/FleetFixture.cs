using UsbPassd.Placement;
using UsbPassd.Testing.Fleet;

namespace UsbPassd.Tests.Integration.Fleet;

/// <summary>
/// A real Placement with three made-up hosts synced into it by real sync agents (4 corpus devices
/// each): host 0's device 3 unavailable, device 0 of hosts 1 and 2 labelled "bench pool".
/// </summary>
public sealed class FleetFixture : IAsyncLifetime
{
    private PlacementReader? _reader;

    public const string Prefix = "fleet-it";
    public const string Label = "bench pool";
    public const int Hosts = 3;
    public const int Devices = 4;

    public PlacementProcess Placement { get; } = new();

    /// <summary>An admin client of <see cref="Placement"/> at 1.39, to see what it holds.</summary>
    public PlacementReader Reader => _reader ??= new PlacementReader(Placement.Url);

    public static string Host(int host) => FleetHosts.RootName(Prefix, host);

    public async Task InitializeAsync()
    {
        using var client = new PlacementClient(new StaticTokenAuth(new Uri(Placement.Url), "admin"));
        for (int h = 0; h < Hosts; h++)
        {
            string root = Host(h);
            PlacementSync sync = await FleetHosts.SyncAsync(client, root, Enumerable.Range(0, Devices).Select(i => FleetHosts.Offer(
                root, h, i, extraTraits: i == 0 && h > 0 ? [PlacementNames.LabelTrait(Label)] : null)));
            if (h == 0)
            {
                // Unplugged after it was offered: its provider stays, reserved (a provider is never created for a device that cannot be given).
                sync.Want(Devices + 1, FleetHosts.Offer(root, h, 3, offered: false), deleted: false);
                await FleetHosts.ConvergeAsync(sync);
            }
        }
    }

    public Task DisposeAsync()
    {
        _reader?.Dispose();
        Placement.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>usbpassctl with <paramref name="args"/>, in this process: exit code, stdout, stderr.</summary>
    public static (int Code, string Out, string Err) Usbpassctl(params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        int code = UsbPassd.Cli.UsbPassctl.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>usbpassctl against this Placement (noauth2).</summary>
    public (int Code, string Out, string Err) Fleet(params string[] args) =>
        Usbpassctl([.. args, "--placement-url", Placement.Url, "--token", "admin", "--config", "/nonexistent/usbpassd.json"]);
}
