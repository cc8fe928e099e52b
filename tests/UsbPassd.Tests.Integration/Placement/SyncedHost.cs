using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using UsbPassd.Placement;
using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;
using UsbPassd.Uevents;

namespace UsbPassd.Tests.Integration.Placement;

/// <summary>
/// A host whose usbpassd (the real process, JIT build) syncs into Placement: a made-up /sys (a root
/// hub, test keys, a hub) or a recorded one, uevents written into a FIFO the daemon replays, a config
/// file with a "placement" section, the daemon's log kept for the tests to wait on.
/// </summary>
public sealed class SyncedHost : IDisposable
{
    public const string Vendor = "46f4";
    public const string Product = "0001";
    public const string Controller = "/devices/pci0000:00/0000:00:14.0";

    private readonly string _dir = Directory.CreateTempSubdirectory("usbpassd-synced-").FullName;
    private readonly SysfsTree _tree;
    private readonly string _fifo;
    private FileStream? _uevents;
    private Process? _daemon;

    /// <param name="placement">The "placement" section of usbpassd.json, as JSON.</param>
    /// <param name="recorded">Devices from the corpus (BigTree: real recordings on fresh ports) instead of the made-up keys.</param>
    public SyncedHost(string placement, int recorded = 0, string policy = "allow id 46f4:* label \"test keys\"\n")
    {
        _tree = new SysfsTree(Path.Combine(_dir, "sys"));
        _fifo = Path.Combine(_dir, "uevents");
        PlacementServer.Run("mkfifo", _fifo);
        File.WriteAllText(Path.Combine(_dir, "policy.rules"), policy);
        if (recorded > 0)
        {
            BigTree.Write(_tree.Root, recorded);
        }
        else
        {
            _tree.AddUsbDevice(new SyntheticUsbDevice { Name = "usb1", VendorId = "1d6b", ProductId = "0002", DeviceClass = "09", Bus = 1, DeviceNumber = 1, Serial = "0000:00:14.0", MaxChild = 6 }, Controller);
            Key("1-1", 2);
            Key("1-2", 3);
            _tree.AddUsbDevice(new SyntheticUsbDevice { Name = "1-5", VendorId = "05e3", ProductId = "0608", DeviceClass = "09", Bus = 1, DeviceNumber = 9, MaxChild = 4 }, $"{Controller}/usb1");
        }

        Configure(placement);
    }

    public string RootName { get; } = $"host-{Guid.NewGuid():N}"[..17];

    public string StateDirectory => Path.Combine(_dir, "state");

    public string SysfsRoot => _tree.Root;

    /// <summary>Every line the daemon wrote, stdout and stderr.</summary>
    public ConcurrentQueue<string> Log { get; } = new();

    public static string DevId(string port, string? serial = null) => $"{Vendor}:{Product}:{serial ?? "KEY-" + port}";

    public string Uuid(string devId) => PlacementNames.DeviceProvider(RootName, devId).ToString();

    public void Configure(string placement) =>
        File.WriteAllText(Path.Combine(_dir, "usbpassd.json"), $$"""
            { "sysfs_root": "{{_tree.Root}}", "state_dir": "{{StateDirectory}}", "socket": "{{Path.Combine(_dir, "usbpassd.sock")}}",
              "uevents": "replay:{{_fifo}}", "libvirt_uri": "none", "usb_ids": "/nonexistent/usb.ids", "policy_file": "{{Path.Combine(_dir, "policy.rules")}}",
              "placement": {{placement.Replace("ROOT", RootName, StringComparison.Ordinal)}} }
            """);

    /// <summary>The clouds.yaml the daemon reads (OS_CLIENT_CONFIG_FILE), for "cloud" sections.</summary>
    public string CloudsFile => Path.Combine(_dir, "clouds.yaml");

    /// <summary>Run the shipped NativeAOT executable (make publish) rather than the JIT build.</summary>
    public bool Shipped { get; init; }

    public void Start()
    {
        Log.Clear();

        // Read and write: opening does not wait for the daemon's reader, and the daemon never sees an end.
        _uevents ??= new FileStream(_fifo, FileMode.Open, FileAccess.ReadWrite);
        string config = Path.Combine(_dir, "usbpassd.json");
        var psi = new ProcessStartInfo(Shipped ? UsbPassd.Testing.Shipped.Usbpassd : "dotnet", Shipped ? ["--config", config] : [Path.Combine(AppContext.BaseDirectory, "usbpassd.dll"), "--config", config])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        psi.Environment["OS_CLIENT_CONFIG_FILE"] = CloudsFile;
        _daemon = Process.Start(psi)!;
        _daemon.OutputDataReceived += (_, e) => Keep(e.Data);
        _daemon.ErrorDataReceived += (_, e) => Keep(e.Data);
        _daemon.BeginOutputReadLine();
        _daemon.BeginErrorReadLine();
    }

    /// <summary>SIGTERM, and wait for the exit.</summary>
    public void Stop()
    {
        if (_daemon is null)
        {
            return;
        }

        using (Process.Start("kill", ["-TERM", _daemon.Id.ToString()])!) { }
        if (!_daemon.WaitForExit(20_000))
        {
            _daemon.Kill();
        }

        _daemon.WaitForExit();
        _daemon.Dispose();
        _daemon = null;
    }

    public bool Running => _daemon is { HasExited: false };

    /// <summary>Waits for a daemon that refused to start (and its last output).</summary>
    public int WaitForExit()
    {
        if (!_daemon!.WaitForExit(60_000))
        {
            throw new TimeoutException("usbpassd did not exit");
        }

        _daemon.WaitForExit();
        return _daemon.ExitCode;
    }

    /// <summary>The first log line containing <paramref name="text"/> (waits up to 60 s; fails with the log).</summary>
    public async Task<string> WaitForLogAsync(string text, int seconds = 60)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            if (Log.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is string line)
            {
                return line;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no log line with '{text}' within {seconds} s; the log:\n{string.Join('\n', Log)}");
    }

    /// <summary>Polls <paramref name="check"/> until it holds (up to 60 s).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> check, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await check())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"not within 60 s: {what}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>A key appears at <paramref name="port"/>: its sysfs directory, then "add".</summary>
    public async Task PlugAsync(string port, int devnum, string? serial = null)
    {
        Key(port, devnum, serial);
        await UeventAsync("add", port);
    }

    /// <summary>The key at <paramref name="port"/> goes: its sysfs directory, then "remove".</summary>
    public async Task UnplugAsync(string port)
    {
        Directory.Delete($"{_tree.Root}{Controller}/usb1/{port}", recursive: true);
        foreach (string link in Directory.GetFileSystemEntries(Path.Combine(_tree.Root, "bus/usb/devices"), port + "*"))
        {
            File.Delete(link);
        }

        await UeventAsync("remove", port);
    }

    /// <summary>devices.list over the socket.</summary>
    public async Task<JsonArray> DevicesAsync() => (await AskAsync("devices.list", "{}"))["result"]!.AsArray();

    /// <summary>One JSON-RPC call over the socket: the whole answer.</summary>
    public async Task<JsonNode> AskAsync(string method, string parameters)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await socket.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(Path.Combine(_dir, "usbpassd.sock")));
                break;
            }
            catch (System.Net.Sockets.SocketException) when (attempt < 300)
            {
                await Task.Delay(100); // the sync may speak before the RPC socket is bound
            }
        }

        using var stream = new System.Net.Sockets.NetworkStream(socket);
        await stream.WriteAsync(Encoding.UTF8.GetBytes($"{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"{method}\",\"params\":{parameters}}}\n"));
        using var reader = new StreamReader(stream);
        return JsonNode.Parse((await reader.ReadLineAsync())!)!;
    }

    public void Dispose()
    {
        Stop();
        _uevents?.Dispose();
        _tree.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            Log.Enqueue(line);
        }
    }

    private void Key(string port, int devnum, string? serial = null) =>
        _tree.AddUsbDevice(new SyntheticUsbDevice
        {
            Name = port, VendorId = Vendor, ProductId = Product, DeviceClass = "00", Bus = 1, DeviceNumber = devnum,
            Serial = serial ?? $"KEY-{port}", Product = "Test key", Interfaces = [new SyntheticInterface(0, "08")],
        }, $"{Controller}/usb1");

    private async Task UeventAsync(string action, string port)
    {
        byte[] datagram = RecordedUevents.KernelDatagram(action, $"{Controller}/usb1/{port}", ("SUBSYSTEM", "usb"), ("DEVTYPE", "usb_device"));
        await _uevents!.WriteAsync(Encoding.ASCII.GetBytes(RecordedUevents.Line(UeventGroup.Kernel, datagram) + "\n"));
        await _uevents.FlushAsync();
    }
}
