using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.Data.Sqlite;
using UsbPassd.Faults;
using UsbPassd.Testing.Recordings;
using UsbPassd.Tests.Integration.Libvirt;
using UsbPassd.Uevents;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// The real usbpassd (JIT build) on a made-up host (keys at 1-1, 1-2, 1-3, allowed by its policy
/// file), this machine's libvirtd with two shut-off persistent domains of its own, a registry that
/// outlives every daemon it starts, and a FIFO of kernel uevents for replugs. One daemon at a
/// time; a daemon is stopped by SIGKILL (a crash, like the ones the points make).
/// </summary>
internal sealed class CrashHost : IDisposable
{
    public const string Vendor = "46f4";
    private const string Controller = "/devices/pci0000:00/0000:00:14.0";

    private readonly SysfsTree _tree = SysfsTree.CreateTemporary();
    private readonly string _dir = Directory.CreateTempSubdirectory("usbpassd-crash-").FullName;
    private readonly Dictionary<string, int> _devnum = new(StringComparer.Ordinal) { ["1-1"] = 2, ["1-2"] = 3, ["1-3"] = 4 };
    private readonly Dictionary<string, string> _serial = new(StringComparer.Ordinal);
    private FileStream? _uevents;
    private Process? _daemon;
    private readonly ConcurrentQueue<string> _log = new();

    public CrashHost()
    {
        string prefix = $"usbpassd-crash-{Environment.ProcessId}";
        DomainA = prefix + "-a";
        DomainB = prefix + "-b";
        File.WriteAllText(PolicyFile, "allow id 46f4:* label \"crash keys\"\n");
        _tree.AddUsbDevice(new SyntheticUsbDevice { Name = "usb1", VendorId = "1d6b", ProductId = "0002", DeviceClass = "09", Bus = 1, DeviceNumber = 1, Serial = "0000:00:14.0", MaxChild = 6 }, Controller);
        foreach (string port in _devnum.Keys)
        {
            Key(port);
        }

        foreach (string d in (string[])[DomainA, DomainB])
        {
            LocalLibvirt.Remove(d);
            LocalLibvirt.Define(d);
        }

        UuidA = LocalLibvirt.Shell($"virsh -q -c qemu:///system domuuid {DomainA}").Trim();
        UuidB = LocalLibvirt.Shell($"virsh -q -c qemu:///system domuuid {DomainB}").Trim();
        LocalLibvirt.Shell($"mkfifo {Fifo}");
        _uevents = new FileStream(Fifo, FileMode.Open, FileAccess.ReadWrite); // never an end for the daemon's reader
    }

    public string DomainA { get; }

    public string DomainB { get; }

    public string UuidA { get; }

    public string UuidB { get; }

    public string Socket => Path.Combine(_dir, "usbpassd.sock");

    public string PolicyFile => Path.Combine(_dir, "policy.rules");

    private string Fifo => Path.Combine(_dir, "uevents");

    private string Database => Path.Combine(StateDirectory, "registry.db");

    public static string DevId(string port) => DevIdOf($"KEY-{port}");

    public string DomainName(string uuid) =>
        uuid.Equals(UuidA, StringComparison.OrdinalIgnoreCase) ? DomainA : uuid.Equals(UuidB, StringComparison.OrdinalIgnoreCase) ? DomainB : uuid;

    /// <summary>What the running daemon printed so far (its log, USBPASSD_DEBUG=1).</summary>
    public IEnumerable<string> Log => _log;

    public bool Running => _daemon is { HasExited: false };

    /// <summary>The "placement" section of the usbpassd.json every daemon starts with (JSON); null: none, the sync off.</summary>
    public string? Placement { get; init; }

    /// <summary>The folder usbpassd keeps its state in (the registry, Placement's sync cache).</summary>
    public string StateDirectory => Path.Combine(_dir, "state");

    /// <summary>Starts a daemon on the state the last one left, armed at <paramref name="point"/> (null: as shipped).</summary>
    public void Start(string? point)
    {
        Kill();
        File.Delete(Socket);
        _log.Clear();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in (string[])[Path.Combine(AppContext.BaseDirectory, "usbpassd.dll"), "--sysfs-root", _tree.Root, "--state-dir", StateDirectory, "--socket", Socket, "--uevents", "replay:" + Fifo, "--libvirt-uri", "qemu:///system", "--policy-file", PolicyFile])
        {
            psi.ArgumentList.Add(a);
        }

        if (Placement is not null)
        {
            // The command line says the rest; the sync has no option of its own there.
            string config = Path.Combine(_dir, "usbpassd.json");
            File.WriteAllText(config, $"{{ \"placement\": {Placement} }}");
            psi.ArgumentList.Add("--config");
            psi.ArgumentList.Add(config);
        }

        psi.Environment["USBPASSD_DEBUG"] = "1";
        psi.Environment.Remove(CrashPoint.Variable);
        if (point is not null)
        {
            psi.Environment[CrashPoint.Variable] = point;
        }

        _daemon = Process.Start(psi)!;
        _daemon.OutputDataReceived += (_, e) => { if (e.Data is string l) { _log.Enqueue(l); } };
        _daemon.ErrorDataReceived += (_, e) => { if (e.Data is string l) { _log.Enqueue(l); } };
        _daemon.BeginOutputReadLine();
        _daemon.BeginErrorReadLine();
    }

    /// <summary>Waits until the daemon logged <paramref name="text"/> (true) or died (false).</summary>
    public async Task<bool> LoggedOrDiedAsync(string text, int skip = 0, int seconds = 60)
    {
        for (int i = 0; i < seconds * 20; i++)
        {
            if (_log.Skip(skip).Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                return true;
            }

            if (_daemon!.HasExited)
            {
                await _daemon.WaitForExitAsync(); // the output read to its end: a last line may be the one
                return _log.Skip(skip).Any(l => l.Contains(text, StringComparison.Ordinal));
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"usbpassd neither logged '{text}' nor died in {seconds} s; its log:\n{string.Join('\n', _log.TakeLast(40))}");
    }

    /// <summary>An unarmed daemon, listening, after its start-up pass over libvirt's XML.</summary>
    public async Task StartReconciledAsync()
    {
        Start(null);
        if (!await LoggedOrDiedAsync("reconciled with libvirt's domain XML"))
        {
            throw new InvalidOperationException($"usbpassd (unarmed) died at start, exit {_daemon!.ExitCode}:\n{string.Join('\n', _log.TakeLast(40))}");
        }

        for (int i = 0; i < 600 && !File.Exists(Socket); i++)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>Waits for the daemon to end; its exit code, or null when it still runs after <paramref name="seconds"/>.</summary>
    public async Task<int?> ExitAsync(int seconds)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            await _daemon!.WaitForExitAsync(cts.Token);
            return _daemon.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public void Kill()
    {
        if (_daemon is null)
        {
            return;
        }

        if (!_daemon.HasExited)
        {
            _daemon.Kill();
        }

        _daemon.WaitForExit();
        _daemon.Dispose();
        _daemon = null;
    }

    /// <summary>One JSON-RPC request; the reply line, or null when the daemon hung up (died) first.</summary>
    public async Task<string?> AskAsync(string method, string parameters)
    {
        try
        {
            using Socket s = await ConnectAsync();
            using var stream = new NetworkStream(s, ownsSocket: false);
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"{method}\",\"params\":{{{parameters}}}}}\n"));
            using var reader = new StreamReader(stream, Encoding.UTF8);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            return await reader.ReadLineAsync(cts.Token);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return null;
        }
    }

    // The socket's file appears at bind(2), before listen(2): refused until the daemon listens (or dies).
    private async Task<Socket> ConnectAsync()
    {
        for (int i = 0; ; i++)
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await s.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
                return s;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable && Running && i < 1200)
            {
                s.Dispose();
                await Task.Delay(50);
            }
            catch
            {
                s.Dispose();
                throw;
            }
        }
    }

    /// <summary>As <see cref="AskAsync"/>, for a request that must succeed.</summary>
    public async Task MustAsync(string method, string parameters)
    {
        string? reply = await AskAsync(method, parameters);
        if (reply is null || !reply.Contains("\"result\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{method} {parameters}: {reply ?? "no reply"}");
        }
    }

    /// <summary>The key at <paramref name="port"/> is unplugged and plugged back with the next device number (two uevents).</summary>
    public async Task ReplugAsync(string port)
    {
        Unplug(port);
        await UeventAsync("remove", port);
        _devnum[port] = _devnum.Values.Max() + 1;
        Key(port);
        await UeventAsync("add", port);
    }

    /// <summary>
    /// A key with <paramref name="serial"/> appears at <paramref name="port"/> in /sys, without a uevent:
    /// for a daemon that is down, whose start finds it. Its dev_id is <see cref="DevIdOf"/>.
    /// </summary>
    public void Plug(string port, string serial)
    {
        _serial[port] = serial;
        _devnum[port] = _devnum.Values.Max() + 1;
        Key(port);
    }

    /// <summary>The key at <paramref name="port"/> goes from /sys, without a uevent (a daemon that runs is told by <see cref="ReplugAsync"/>).</summary>
    public void Unplug(string port)
    {
        Directory.Delete($"{_tree.Root}{Controller}/usb1/{port}", recursive: true);
        foreach (string link in Directory.GetFileSystemEntries(Path.Combine(_tree.Root, "bus/usb/devices"), port + "*"))
        {
            File.Delete(link);
        }
    }

    /// <summary>Whether a key is in /sys at <paramref name="port"/>.</summary>
    public bool Plugged(string port) => Directory.Exists($"{_tree.Root}{Controller}/usb1/{port}");

    /// <summary>The dev_id of the key with <paramref name="serial"/>.</summary>
    public static string DevIdOf(string serial) => $"{Vendor}:0001:{serial}";

    /// <summary>The device number the key at <paramref name="port"/> has now.</summary>
    public int Devnum(string port) => _devnum[port];

    /// <summary>The persistent XML of a domain.</summary>
    public static string Definition(string domain) => LocalLibvirt.Shell($"virsh -c qemu:///system dumpxml --inactive {domain}");

    /// <summary>Replaces a domain's definition by <paramref name="xml"/>.</summary>
    public void Redefine(string xml)
    {
        string file = Path.Combine(_dir, "redefine.xml");
        File.WriteAllText(file, xml);
        LocalLibvirt.Shell($"virsh -q -c qemu:///system define {file}");
    }

    /// <summary>Writes to the registry behind the daemon's back (it must not run): a state only a bug or a crash leaves.</summary>
    public void Write(string sql)
    {
        using (var c = new SqliteConnection($"Data Source={Database}"))
        {
            c.Open();
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
    }

    public string Sql(string sql) => string.Join('\n', Rows(sql).Select(r => string.Join('|', r)));

    public List<string[]> Rows(string sql)
    {
        var rows = new List<string[]>();
        using (var c = new SqliteConnection($"Data Source={Database};Mode=ReadOnly"))
        {
            c.Open();
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = sql;
            using SqliteDataReader r = cmd.ExecuteReader();
            while (r.Read())
            {
                rows.Add([.. Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "" : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture) ?? "")]);
            }
        }

        SqliteConnection.ClearAllPools();
        return rows;
    }

    public void Dispose()
    {
        Kill();
        _uevents?.Dispose();
        LocalLibvirt.Remove(DomainA);
        LocalLibvirt.Remove(DomainB);
        _tree.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private void Key(string port) =>
        _tree.AddUsbDevice(new SyntheticUsbDevice
        {
            Name = port, VendorId = Vendor, ProductId = "0001", DeviceClass = "00", Bus = 1, DeviceNumber = _devnum[port],
            Serial = _serial.GetValueOrDefault(port, $"KEY-{port}"), Product = "Crash key", Interfaces = [new SyntheticInterface(0, "ff")],
        }, $"{Controller}/usb1");

    private async Task UeventAsync(string action, string port)
    {
        byte[] datagram = RecordedUevents.KernelDatagram(action, $"{Controller}/usb1/{port}", ("SUBSYSTEM", "usb"), ("DEVTYPE", "usb_device"));
        await _uevents!.WriteAsync(Encoding.ASCII.GetBytes(RecordedUevents.Line(UeventGroup.Kernel, datagram) + "\n"));
        await _uevents.FlushAsync();
    }
}
