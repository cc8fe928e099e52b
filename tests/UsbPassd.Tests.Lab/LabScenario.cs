using UsbPassd.Testing.Lab;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Lab;

/// <summary>
/// One lab test's world on the shared lab host: the usbpassd daemons it starts, the USB devices it
/// plugs, the L2 domains it defines, and anything else it changes (<see cref="Finally"/>). Each is
/// undone when the test ends, last first, whether it passed or not (<see cref="Lab.Teardown"/>:
/// a failing clean-up is reported and never hides the test's own failure). A test body therefore
/// has no try/finally of its own:
/// <code>
/// [Fact]
/// public Task Something() => LabScenario.RunAsync(fx, output, "name", async lab =>
/// {
///     LabDaemon daemon = await lab.StartDaemonAsync(LabDaemon.WithLibvirt);
///     UsbStorage stick = await lab.PlugAsync(new UsbStorage("name-stick", "4", Serial: "NAME-0001"));
///     await lab.StartDomainAsync("l2-name");
///     ...
/// });
/// </code>
/// </summary>
public sealed class LabScenario : IAsyncDisposable
{
    private readonly Teardown _teardown;

    // Devices the test pulled out without waiting for udev (no udevd): the host still lists them.
    private readonly HashSet<LabDevice> _pulled = [];

    // Daemons whose log the test shows anyway: a failure need not show it twice.
    private readonly HashSet<LabDaemon> _logShown = [];

    private LabScenario(LabHost host, ITestOutputHelper output, string name)
        : this(host, new Teardown(output), name)
    {
    }

    /// <summary>A scenario on <paramref name="host"/> whose undo steps go to <paramref name="teardown"/>, which its owner disposes (<see cref="PairScenario"/>: one last-first order across both hosts).</summary>
    internal LabScenario(LabHost host, Teardown teardown, string name)
    {
        Host = host;
        Name = name;
        _teardown = teardown;
    }

    /// <summary>The scenario's name: the default name of its daemon (state folder, log file).</summary>
    public string Name { get; }

    public LabHost Host { get; }

    public ITestOutputHelper Output => _teardown.Output;

    public string ShareDirectory => Host.ShareDirectory;

    /// <summary>Runs <paramref name="test"/> in a new scenario on the fixture's lab host, then undoes what it set up.</summary>
    public static Task RunAsync(LabFixture fx, ITestOutputHelper output, string name, Func<LabScenario, Task> test)
    {
        fx.Output = output;
        var scenario = new LabScenario(fx.Lab, output, name);
        return Teardown.RunAsync(scenario, scenario._teardown, test);
    }

    /// <summary>Starts usbpassd on a fresh state folder (<paramref name="name"/>: the scenario's by default); stopped at the end.</summary>
    public async Task<LabDaemon> StartDaemonAsync(string extraArguments = "", string? name = null)
    {
        var daemon = new LabDaemon(Host, name ?? Name);
        // Before the start: a daemon that started but never said ready is stopped as well.
        _teardown.Add($"stop usbpassd '{daemon.Name}'", daemon.StopAsync);
        _teardown.OnFailure(() => ShowLogAsync(daemon));
        await daemon.StartAsync(extraArguments);
        return daemon;
    }

    /// <summary>Hot-plugs <paramref name="device"/> (<see cref="LabHost.PlugAsync"/>); unplugged at the end unless the test did.</summary>
    public async Task<T> PlugAsync<T>(T device, bool waitForUdev = true)
        where T : LabDevice
    {
        // The host lists a device from its device_add on: one whose udev wait failed is unplugged too.
        _teardown.Add($"unplug {device.Driver} '{device.Id}' at {device.PortId}",
            () => Host.Plugged.Contains(device) && !_pulled.Contains(device) ? Host.UnplugAsync(device) : Task.CompletedTask);
        await Host.PlugAsync(device, waitForUdev);
        return device;
    }

    /// <summary>Unplugs and waits until L1's udev has seen it go (<see cref="LabHost.UnplugAsync"/>).</summary>
    public Task UnplugAsync(LabDevice device) => Host.UnplugAsync(device);

    /// <summary>QEMU's device_del alone, waiting for nothing: for a lab host whose udevd is stopped.</summary>
    public async Task PullAsync(LabDevice device)
    {
        await Host.QmpAsync("device_del", new Dictionary<string, object> { ["id"] = device.Id });
        _pulled.Add(device);
    }

    /// <summary>Defines a persistent L2 domain (<paramref name="usb"/>: its USB controllers and devices, an xHCI by default; <paramref name="uuid"/>: libvirt's choice by default); destroyed and undefined at the end.</summary>
    public async Task DefineDomainAsync(string name, string? usb = null, string? uuid = null)
    {
        await Host.DefineDomainAsync(name, usb ?? LabHost.XhciController, uuid);
        _teardown.Add($"destroy and undefine domain '{name}'", () => Host.StopDomainAsync(name));
    }

    /// <summary>Defines and starts (paused: it needs no disk or kernel) an L2 domain; destroyed and undefined at the end.</summary>
    public async Task StartDomainAsync(string name, string? usb = null, string? uuid = null)
    {
        await DefineDomainAsync(name, usb, uuid);
        await Host.RunAsync($"virsh -q start --paused {name}");
    }

    /// <summary>Runs <paramref name="step"/> when the test ends (in reverse order with everything else): undo a change made to the lab host.</summary>
    public void Finally(string what, Func<Task> step) => _teardown.Add(what, step);

    /// <inheritdoc cref="LabHost.RunAsync"/>
    public Task<string> RunAsync(string script, TimeSpan? timeout = null) => Host.RunAsync(script, timeout);

    /// <inheritdoc cref="LabHost.ExecAsync"/>
    public Task<ExecResult> ExecAsync(string script) => Host.ExecAsync(script);

    /// <inheritdoc cref="LabHost.GuestUsbAsync"/>
    public Task<string> GuestUsbAsync(string domain) => Host.GuestUsbAsync(domain);

    /// <summary>Writes the daemon's log, without its debug lines, to the output when the test ends, passed or not.</summary>
    public void ShowLogAtEnd(LabDaemon daemon)
    {
        _logShown.Add(daemon);
        Finally($"show the log of usbpassd '{daemon.Name}'", () => WriteLogAsync(daemon));
    }

    public ValueTask DisposeAsync() => _teardown.DisposeAsync();

    private Task ShowLogAsync(LabDaemon daemon)
    {
        if (!_logShown.Contains(daemon))
        {
            Output.WriteLine($"--- usbpassd '{daemon.Name}' log ({daemon.LogPath}), debug lines left out ---");
            WriteLogAsync(daemon);
        }

        return Task.CompletedTask;
    }

    private Task WriteLogAsync(LabDaemon daemon)
    {
        Output.WriteLine(string.Join('\n', daemon.Log.Split('\n').Where(l => !l.Contains("dbug:", StringComparison.Ordinal))));
        return Task.CompletedTask;
    }
}
