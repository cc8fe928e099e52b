using System.Diagnostics;

namespace UsbPassd.Testing.Lab;

/// <summary>
/// Two lab hosts, A and B, joined by a private link for libvirt live migration
/// (/work/shared/docs/two-host-lab.md, tests/lab/README.md "Two lab hosts"). The link is one NIC
/// per L1 on a QEMU <c>-netdev stream</c> over a Unix socket in a folder of this machine: A's QEMU
/// listens, B's connects, and no packet leaves this machine. tests/lab/link-setup.sh gives A
/// 10.99.0.1 (lab-a) and B 10.99.0.2 (lab-b) on it and restarts each libvirtd listening there.
/// Dispose stops both.
/// </summary>
public sealed class LabPair : IAsyncDisposable
{
    /// <summary>The link NICs' MACs: link-setup.sh finds the link by them (an L1 may have a forwards NIC too).</summary>
    public const string MacA = "52:54:00:99:00:01";

    /// <inheritdoc cref="MacA"/>
    public const string MacB = "52:54:00:99:00:02";

    // Boot, setup and migration run under TCG with two L1s on L0's two cores (2-5x slower than one).
    private static readonly TimeSpan SocketTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MigrationTimeout = TimeSpan.FromSeconds(300);

    private readonly string _directory;

    private LabPair(LabHost a, LabHost b, string directory)
    {
        A = a;
        B = b;
        _directory = directory;
    }

    /// <summary>Host A: 10.99.0.1, lab-a; its QEMU owns the link's socket.</summary>
    public LabHost A { get; }

    /// <summary>Host B: 10.99.0.2, lab-b.</summary>
    public LabHost B { get; }

    private static string SetupScript => Path.Combine(LabHost.ScriptDirectory, "link-setup.sh");

    /// <summary>The host's address on the link.</summary>
    public string Ip(LabHost host) => host == A ? "10.99.0.1" : host == B ? "10.99.0.2" : throw new ArgumentException("not a host of this pair", nameof(host));

    /// <summary>The host's name (hostname, /etc/hosts) on the link.</summary>
    public string HostName(LabHost host) => host == A ? "lab-a" : host == B ? "lab-b" : throw new ArgumentException("not a host of this pair", nameof(host));

    /// <summary>The other host.</summary>
    public LabHost Peer(LabHost host) => host == A ? B : host == B ? A : throw new ArgumentException("not a host of this pair", nameof(host));

    /// <summary>
    /// Boots A (with <paramref name="devicesA"/>) and, as soon as A's QEMU has created the link's socket, B
    /// (with <paramref name="devicesB"/>): the two boots overlap. Each gets <paramref name="forwards"/> as in
    /// <see cref="LabHost.BootAsync"/>. Then both are put on the link with libvirtd listening there.
    /// </summary>
    public static async Task<LabPair> BootAsync(IEnumerable<LabDevice> devicesA, IEnumerable<LabDevice> devicesB, IProgress<string>? progress = null, IReadOnlyCollection<int>? forwards = null, CancellationToken ct = default)
    {
        progress ??= new LabProgress(_ => { });
        IProgress<string> progressA = new LabProgress(m => progress.Report($"A: {m}"));
        IProgress<string> progressB = new LabProgress(m => progress.Report($"B: {m}"));
        string directory = Directory.CreateTempSubdirectory("usbpassd-pair-").FullName;
        string socket = Path.Combine(directory, "link.sock");
        var clock = Stopwatch.StartNew();

        Task<LabHost> bootA = LabHost.BootAsync(devicesA, progressA, forwards, Link("server=on", socket, MacA), ct);
        Task<LabHost>? bootB = null;
        try
        {
            // B's QEMU connects once, when it starts: A's socket must exist by then.
            var waited = Stopwatch.StartNew();
            while (!File.Exists(socket))
            {
                if (bootA.IsCompleted)
                {
                    await bootA; // a failed boot throws here
                    throw new LabException($"host A is up but its QEMU created no link socket {socket}");
                }

                if (waited.Elapsed > SocketTimeout)
                {
                    throw new LabException($"host A's QEMU created no link socket {socket} within {SocketTimeout.TotalSeconds} s");
                }

                await Task.Delay(50, ct);
            }

            bootB = LabHost.BootAsync(devicesB, progressB, forwards, Link("server=off", socket, MacB), ct);
            await Task.WhenAll(bootA, bootB);
        }
        catch
        {
            // Whichever booted is stopped: no QEMU outlives a failed pair.
            foreach (Task<LabHost> boot in new[] { bootA, bootB }.OfType<Task<LabHost>>())
            {
                try
                {
                    await (await boot).DisposeAsync();
                }
                catch (Exception)
                {
                    // It did not boot (that failure is the one being thrown) or is already down.
                }
            }

            Directory.Delete(directory, recursive: true);
            throw;
        }

        progress.Report($"both lab hosts ready after {clock.Elapsed.TotalSeconds:0.0} s (overlapped boots)");
        var pair = new LabPair(bootA.Result, bootB.Result, directory);
        try
        {
            clock.Restart();
            await Task.WhenAll(pair.SetUpAsync(pair.A, MacA), pair.SetUpAsync(pair.B, MacB));
            progress.Report($"link up, libvirtd listening on both after {clock.Elapsed.TotalSeconds:0.0} s");
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }

        return pair;
    }

    /// <summary>
    /// <c>virsh migrate --live --persistent --undefinesource DOMAIN qemu+tcp://PEER/system --migrateuri tcp://PEER</c>
    /// run in <paramref name="from"/>'s L1 (<paramref name="extraVirshFlags"/> go before the domain's name). The
    /// migration's result and wall time: the caller decides what it expects.
    /// </summary>
    public async Task<LabMigration> MigrateAsync(string domain, LabHost from, LabHost to, string extraVirshFlags = "")
    {
        if (Peer(from) != to)
        {
            throw new ArgumentException("a migration goes from one host of the pair to the other", nameof(to));
        }

        string peer = Ip(to);
        var clock = Stopwatch.StartNew();
        ExecResult result = await from.ExecAsync(
            $"virsh migrate --live --persistent --undefinesource {extraVirshFlags} {domain} qemu+tcp://{peer}/system --migrateuri tcp://{peer}",
            MigrationTimeout);
        return new LabMigration(result, clock.Elapsed);
    }

    /// <summary>Restarts <paramref name="host"/>'s libvirtd, still listening on the link (libvirtd reads hooks only at start).</summary>
    public Task RestartLibvirtdAsync(LabHost host)
    {
        _ = Ip(host);
        return host.RunAsync($"{SetupScript} restart-libvirtd");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Task.WhenAll(A.DisposeAsync().AsTask(), B.DisposeAsync().AsTask());
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static string[] Link(string side, string socket, string mac) =>
        ["-netdev", $"stream,id=link,{side},addr.type=unix,addr.path={socket}", "-device", $"virtio-net-pci,netdev=link,mac={mac}"];

    private async Task SetUpAsync(LabHost host, string mac)
    {
        await host.RunAsync($"{SetupScript} setup {mac} {Ip(host)} {HostName(host)}");
        // The peer's libvirtd need not be listening yet: ask until it answers (the peer sets up in parallel).
        await host.RunAsync(
            $"for i in $(seq 120); do [ \"$(virsh -c qemu+tcp://{Ip(Peer(host))}/system hostname 2>/dev/null)\" = {HostName(Peer(host))} ] && exit 0; sleep 0.5; done; " +
            $"echo 'the peer libvirtd at {Ip(Peer(host))} does not answer' >&2; exit 1");
    }
}

/// <summary>What <see cref="LabPair.MigrateAsync"/> saw: virsh's result and how long the migration took (wall clock, this machine).</summary>
public sealed record LabMigration(ExecResult Result, TimeSpan WallTime);
