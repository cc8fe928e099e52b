using UsbPassd.Testing.Lab;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Lab;

/// <summary>
/// One two-host test's world on the shared <see cref="LabPair"/>: a <see cref="LabScenario"/> per host
/// (<see cref="A"/>, <see cref="B"/>: daemons, plugged devices, changes) and the L2 domains that move
/// between them. All of it is undone when the test ends, last first across both hosts, passed or not
/// (one <see cref="Teardown"/>):
/// <code>
/// [Fact]
/// public Task Something() => PairScenario.RunAsync(fx, output, "name", async pair =>
/// {
///     LabDaemon a = await pair.A.StartDaemonAsync(LabDaemon.WithLibvirt);
///     await pair.StartDomainAsync(pair.A, "l2-name");
///     LabMigration m = await pair.MigrateAsync("l2-name", pair.A, pair.B);
///     ...
/// });
/// </code>
/// </summary>
public sealed class PairScenario : IAsyncDisposable
{
    private readonly Teardown _teardown;

    private PairScenario(LabPair pair, ITestOutputHelper output, string name)
    {
        Pair = pair;
        _teardown = new Teardown(output);
        A = new LabScenario(pair.A, _teardown, $"{name}-a");
        B = new LabScenario(pair.B, _teardown, $"{name}-b");
    }

    public LabPair Pair { get; }

    /// <summary>Host A's side of the test (its daemon's default name: NAME-a).</summary>
    public LabScenario A { get; }

    /// <summary>Host B's side of the test (its daemon's default name: NAME-b).</summary>
    public LabScenario B { get; }

    public ITestOutputHelper Output => _teardown.Output;

    /// <summary>Runs <paramref name="test"/> in a new scenario on the fixture's pair, then undoes what it set up.</summary>
    public static Task RunAsync(PairFixture fx, ITestOutputHelper output, string name, Func<PairScenario, Task> test)
    {
        fx.Output = output;
        var scenario = new PairScenario(fx.Pair, output, name);
        return Teardown.RunAsync(scenario, scenario._teardown, test);
    }

    /// <summary>
    /// Defines and starts (paused) an L2 domain on <paramref name="on"/>; at the end it is destroyed and
    /// undefined wherever it is then (a migration moves it). Domains that may migrate start here, not
    /// with <see cref="LabScenario.StartDomainAsync"/>, whose undo looks on one host only.
    /// </summary>
    public async Task StartDomainAsync(LabScenario on, string name, string? usb = null, string? uuid = null)
    {
        _teardown.Add($"destroy and undefine domain '{name}' on both hosts", () => Task.WhenAll(RemoveDomainAsync(Pair.A, name), RemoveDomainAsync(Pair.B, name)));
        await on.Host.DefineDomainAsync(name, usb ?? LabHost.XhciController, uuid);
        await on.RunAsync($"virsh -q start --paused {name}");
    }

    /// <inheritdoc cref="LabPair.MigrateAsync"/>
    public Task<LabMigration> MigrateAsync(string domain, LabScenario from, LabScenario to, string extraVirshFlags = "") =>
        Pair.MigrateAsync(domain, from.Host, to.Host, extraVirshFlags);

    /// <inheritdoc cref="LabPair.RestartLibvirtdAsync"/>
    public Task RestartLibvirtdAsync(LabScenario host) => Pair.RestartLibvirtdAsync(host.Host);

    /// <summary>Runs <paramref name="step"/> when the test ends (in reverse order with everything else, both hosts).</summary>
    public void Finally(string what, Func<Task> step) => _teardown.Add(what, step);

    public ValueTask DisposeAsync() => _teardown.DisposeAsync();

    // Gone from the host, whether it was there or not; fails only if it is still there.
    private static Task<string> RemoveDomainAsync(LabHost host, string name) =>
        host.RunAsync($"virsh -q destroy {name} >/dev/null 2>&1; virsh -q undefine {name} >/dev/null 2>&1; ! virsh -q dominfo {name} >/dev/null 2>&1");
}
