using System.Diagnostics;
using System.Text.Json.Nodes;

namespace UsbPassd.Testing.Lab;

/// <summary>
/// A running lab host (L1): a TCG-emulated Debian kernel with real USB controllers and emulated
/// USB devices, this machine's userland over 9p, real udevd and libvirtd (tests/lab/README.md).
/// The VM's life is tests/lab/lab.sh's (boot, stop); this class speaks QMP (plug, unplug) and
/// the command agent (run commands in L1) directly. Dispose stops it: no QEMU outlives a test run.
/// </summary>
public sealed class LabHost : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Ports of the xHCI controller (USB 2 and USB 3 each): QEMU's default of 4 is too few for the scenarios.</summary>
    public const int XhciPorts = 8;

    /// <summary>An L2 domain's USB controller unless a test asks for others.</summary>
    public const string XhciController = "<controller type='usb' model='qemu-xhci'/>";

    private readonly QmpClient _qmp;
    private readonly AgentClient _agent;
    private readonly IProgress<string> _progress;
    private readonly List<LabDevice> _plugged;
    private bool _disposed;
    private Process? _watchdog;

    private LabHost(string runDirectory, QmpClient qmp, AgentClient agent, IEnumerable<LabDevice> plugged, IProgress<string> progress)
    {
        RunDirectory = runDirectory;
        _qmp = qmp;
        _agent = agent;
        _plugged = [.. plugged];
        _progress = progress;
    }

    public static string ScriptDirectory => Path.Combine(Corpus.RepositoryRoot, "tests", "lab");

    public static string LabScript => Path.Combine(ScriptDirectory, "lab.sh");

    /// <summary>Holds qmp.sock, agent.sock, console.log and share/ (read-write, same path in L1).</summary>
    public string RunDirectory { get; }

    public string ShareDirectory => Path.Combine(RunDirectory, "share");

    public string ConsoleLogPath => Path.Combine(RunDirectory, "console.log");

    /// <summary>The agent's greeting: the kernel version and how long L1 took to be ready.</summary>
    public string Greeting => _agent.Greeting;

    public IReadOnlyList<LabDevice> Plugged => _plugged;

    /// <summary>The unix socket that L1's connections to 127.0.0.1:<paramref name="port"/> reach, when the port was forwarded at boot; listen there.</summary>
    public string ForwardSocket(int port) => Path.Combine(RunDirectory, $"forward-{port}.sock");

    /// <summary>
    /// Builds the lab assets if needed (cached), boots L1 with <paramref name="devices"/> plugged, and connects.
    /// Each of <paramref name="forwards"/> is a TCP port that L1's programs find on their 127.0.0.1 and that
    /// leads to <see cref="ForwardSocket"/> on this machine (lab.sh's LAB_FORWARDS).
    /// <paramref name="qemuArguments"/> go to L1's QEMU after everything else (a NIC on <see cref="LabPair"/>'s link).
    /// </summary>
    public static async Task<LabHost> BootAsync(IEnumerable<LabDevice> devices, IProgress<string>? progress = null, IReadOnlyCollection<int>? forwards = null, IEnumerable<string>? qemuArguments = null, CancellationToken ct = default)
    {
        progress ??= new LabProgress(_ => { });
        List<LabDevice> atBoot = [.. devices];
        await RunScriptAsync(Path.Combine(ScriptDirectory, "build-assets.sh"), [], "build the lab assets", progress, ct);

        // A short path: unix socket names are limited to 107 bytes.
        string run = Directory.CreateTempSubdirectory("usbpassd-lab-").FullName;
        Directory.CreateDirectory(Path.Combine(run, "share"));
        List<string> args = ["boot", run];
        foreach (LabDevice d in atBoot)
        {
            args.AddRange(d.BackendArguments(run));
            Dictionary<string, object> properties = d.Properties(run);
            string driver = (string)properties["driver"];
            properties.Remove("driver");
            args.Add("-device");
            args.Add(driver + string.Concat(properties.Select(kv => $",{kv.Key}={kv.Value}")));
        }

        args.AddRange(qemuArguments ?? []);

        progress.Report($"booting the lab host with {atBoot.Count} USB device(s) (TCG, about 15 s)");
        var clock = Stopwatch.StartNew();
        await RunScriptAsync(LabScript, args, "boot the lab host", progress, ct, forwards);
        try
        {
            QmpClient qmp = await QmpClient.ConnectAsync(Path.Combine(run, "qmp.sock"), ct);
            AgentClient agent = await AgentClient.ConnectAsync(Path.Combine(run, "agent.sock"), ct);
            progress.Report($"lab host ready after {clock.Elapsed.TotalSeconds:0.0} s ({agent.Greeting})");
            return new LabHost(run, qmp, agent, atBoot, progress) { _watchdog = StartWatchdog(run) };
        }
        catch (Exception e)
        {
            await RunScriptAsync(LabScript, ["stop", run], "stop the lab host", progress, CancellationToken.None);
            throw new LabException($"the lab host booted but its sockets did not answer: {e.Message}\n{Tail(Path.Combine(run, "console.log"))}", e);
        }
    }

    /// <summary>Runs a bash script in L1; the exit code is the script's.</summary>
    public Task<ExecResult> ExecAsync(string script, TimeSpan? timeout = null, string? stdin = null, CancellationToken ct = default) =>
        _agent.ExecAsync(script, timeout ?? DefaultTimeout, stdin, ct);

    /// <summary>Runs a bash script in L1 and fails with its output and the console tail when it does not exit 0.</summary>
    public async Task<string> RunAsync(string script, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        ExecResult r = await ExecAsync(script, timeout, null, ct);
        return r.Succeeded ? r.Stdout : throw new LabException($"in the lab host: `{script}` failed: {r}\n{Tail(ConsoleLogPath)}");
    }

    /// <summary>
    /// Hot-plugs a device and, unless <paramref name="waitForUdev"/> is false (bursts, or no udevd),
    /// returns once L1's udev has processed it.
    /// </summary>
    public async Task PlugAsync(LabDevice device, bool waitForUdev = true, CancellationToken ct = default)
    {
        foreach ((string command, object arguments) in device.Backends(RunDirectory))
        {
            await _qmp.ExecuteAsync(command, arguments, ct);
        }

        await _qmp.ExecuteAsync("device_add", device.Properties(RunDirectory), ct);
        _plugged.Add(device);
        if (waitForUdev)
        {
            await RunAsync($"udevadm wait --initialized=yes -t 30 /sys/bus/usb/devices/{device.PortId}", ct: ct);
        }

        _progress.Report($"plugged {device.Driver} '{device.Id}' at {device.PortId}");
    }

    /// <summary>Unplugs a device (QEMU's device_del, like pulling it out) and returns once L1 no longer has it.</summary>
    public async Task UnplugAsync(LabDevice device, CancellationToken ct = default)
    {
        await _qmp.ExecuteAsync("device_del", new Dictionary<string, object> { ["id"] = device.Id }, ct);
        await _qmp.WaitForEventAsync("DEVICE_DELETED", e => (string?)e["data"]?["device"] == device.Id, TimeSpan.FromSeconds(30), ct);
        foreach ((string command, object arguments) in device.BackendCleanup())
        {
            await _qmp.ExecuteAsync(command, arguments, ct);
        }

        _plugged.Remove(device);
        await RunAsync($"udevadm wait --removed -t 30 /sys/bus/usb/devices/{device.PortId}", ct: ct);
        _progress.Report($"unplugged {device.Driver} '{device.Id}' from {device.PortId}");
    }

    /// <summary>Unplugs the hot-plugged devices <paramref name="which"/> selects (test clean-up after a failure).</summary>
    public async Task UnplugAllAsync(Func<LabDevice, bool> which, CancellationToken ct = default)
    {
        foreach (LabDevice device in _plugged.Where(which).ToList())
        {
            await UnplugAsync(device, ct);
        }
    }

    /// <summary>One QMP command to L1's QEMU.</summary>
    public Task<JsonNode?> QmpAsync(string command, object? arguments = null, CancellationToken ct = default) =>
        _qmp.ExecuteAsync(command, arguments, ct);

    /// <summary>Defines and starts (paused: it needs no disk or kernel) an L2 domain with an xHCI controller.</summary>
    public async Task StartDomainAsync(string name, CancellationToken ct = default)
    {
        await DefineDomainAsync(name, ct);
        await RunAsync($"virsh -q start --paused {name}", ct: ct);
        _progress.Report($"L2 domain '{name}' started (paused)");
    }

    /// <summary>Defines (does not start) a persistent L2 domain with <paramref name="usb"/> (by default an xHCI controller).</summary>
    public async Task DefineDomainAsync(string name, CancellationToken ct = default) => await DefineDomainAsync(name, XhciController, ct: ct);

    /// <inheritdoc cref="DefineDomainAsync(string, CancellationToken)"/>
    /// <param name="uuid">The domain's UUID (Nova's instance UUID, a Placement consumer); libvirt makes one up when null.</param>
    public async Task DefineDomainAsync(string name, string usb, string? uuid = null, CancellationToken ct = default)
    {
        string xml = $"""
            <domain type='qemu'>
              <name>{name}</name>
              {(uuid is null ? "" : $"<uuid>{uuid}</uuid>")}
              <memory unit='MiB'>96</memory>
              <vcpu>1</vcpu>
              <os><type arch='x86_64' machine='q35'>hvm</type></os>
              <devices>
                {usb}
              </devices>
            </domain>
            """;
        await File.WriteAllTextAsync(Path.Combine(ShareDirectory, $"{name}.xml"), xml, ct);
        await RunAsync($"virsh -q define {ShareDirectory}/{name}.xml >/dev/null", ct: ct);
    }

    public Task StopDomainAsync(string name, CancellationToken ct = default) =>
        RunAsync($"virsh -q destroy {name} >/dev/null 2>&1; virsh -q undefine {name} >/dev/null", ct: ct);

    /// <summary>What the L2 guest's QEMU sees on its USB buses (HMP <c>info usb</c>).</summary>
    public Task<string> GuestUsbAsync(string domain, CancellationToken ct = default) =>
        RunAsync($"virsh qemu-monitor-command {domain} --hmp 'info usb'", ct: ct);

    /// <summary>The last lines of L1's console, for failure messages.</summary>
    public string ConsoleTail(int lines = 40) => Tail(ConsoleLogPath, lines);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _watchdog?.Kill(entireProcessTree: true);
        _watchdog?.Dispose();
        await _qmp.DisposeAsync();
        await _agent.DisposeAsync();
        // lab.sh asks the agent to power off, then QMP quit, then kills: QEMU never outlives us.
        await RunScriptAsync(LabScript, ["stop", RunDirectory], "stop the lab host", _progress, CancellationToken.None);
        if (Environment.GetEnvironmentVariable("USBPASSD_LAB_KEEP") != "1")
        {
            Directory.Delete(RunDirectory, recursive: true);
        }
    }

    // If this process dies without disposing (a crashed test host, a killed CI step), the lab host
    // must not live on: a detached waiter stops it when our pid goes away.
    private static Process StartWatchdog(string run)
    {
        var psi = new ProcessStartInfo("setsid")
        {
            ArgumentList = { "bash", "-c", $"tail --pid={Environment.ProcessId} -f /dev/null; exec '{LabScript}' stop '{run}'" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        return Process.Start(psi) ?? throw new LabException("cannot start the lab watchdog");
    }

    private static async Task RunScriptAsync(string script, IEnumerable<string> args, string what, IProgress<string> progress, CancellationToken ct, IReadOnlyCollection<int>? forwards = null)
    {
        var psi = new ProcessStartInfo(script) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["LAB_XHCI_OPTS"] = $",p2={XhciPorts},p3={XhciPorts}";
        if (forwards is { Count: > 0 })
        {
            psi.Environment["LAB_FORWARDS"] = string.Join(' ', forwards);
        }

        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi) ?? throw new LabException($"cannot run {script}");
        Task<string> output = p.StandardOutput.ReadToEndAsync(ct);
        Task<string> error = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        string text = (await output + await error).Trim();
        if (p.ExitCode != 0)
        {
            throw new LabException($"could not {what} ({Path.GetFileName(script)} exited {p.ExitCode}):\n{text}");
        }

        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("lab:", StringComparison.Ordinal) || l.Contains("reused", StringComparison.Ordinal)))
        {
            progress.Report(line);
        }
    }

    private static string Tail(string file, int lines = 40) =>
        File.Exists(file) ? "--- lab host console (last lines) ---\n" + string.Join('\n', File.ReadLines(file).TakeLast(lines)) : "(no console log)";
}
