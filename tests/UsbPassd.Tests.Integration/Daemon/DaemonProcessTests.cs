using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using UsbPassd.Devices;
using UsbPassd.Registry;
using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;
using UsbPassd.Uevents;

namespace UsbPassd.Tests.Integration.Daemon;

/// <summary>
/// usbpassd as a real process: a recorded host as sysfs, a replayed uevent, and a datagram
/// socket standing in for systemd's notify socket.
/// </summary>
public abstract class DaemonProcessTests : IDisposable
{
    private const string Camera = "/devices/pci0000:00/0000:00:1a.0/usb1/1-1/1-1.5/1-1.5.2/1-1.5.2.3";
    private readonly SysfsTree _tree = CorpusRecording.Materialize(
        Path.Combine(Corpus.Raw, "martinpitt__umockdev/devices__cameras__canon-powershot-sx200.umockdev"), "umockdev");
    private readonly string _dir = Directory.CreateTempSubdirectory("usbpassd-daemon-").FullName;

    public void Dispose()
    {
        _tree.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>usbpassd with <paramref name="arguments"/>, its output redirected: the build under test.</summary>
    protected abstract ProcessStartInfo Usbpassd(params string[] arguments);

    protected static ProcessStartInfo Command(string file, IEnumerable<string> arguments)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    private Process Start(string uevents, out Socket notify)
    {
        notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(Path.Combine(_dir, "notify.sock")));
        ProcessStartInfo psi = Usbpassd(
            "--sysfs-root", _tree.Root, "--state-dir", Path.Combine(_dir, "state"),
            "--uevents", uevents, "--libvirt-uri", "none", "--usb-ids", "/nonexistent/usb.ids", "--socket", Path.Combine(_dir, "usbpassd.sock"));
        psi.Environment["NOTIFY_SOCKET"] = Path.Combine(_dir, "notify.sock");
        psi.Environment["WATCHDOG_USEC"] = "400000";
        return Process.Start(psi)!;
    }

    private static string Receive(Socket notify, Func<string, bool> until)
    {
        byte[] buffer = new byte[4096];
        notify.ReceiveTimeout = 30_000;
        while (true)
        {
            string message = Encoding.UTF8.GetString(buffer, 0, notify.Receive(buffer));
            if (until(message))
            {
                return message;
            }
        }
    }

    [Fact]
    public void Ready_after_the_startup_scan_then_follows_events_pings_the_watchdog_and_stops_on_sigterm()
    {
        string recording = Path.Combine(_dir, "events.uevents");
        File.WriteAllText(recording, RecordedUevents.Line(UeventGroup.Kernel, RecordedUevents.KernelDatagram("remove", Camera, ("SUBSYSTEM", "usb"), ("DEVTYPE", "usb_device"))) + "\n");
        using Process daemon = Start($"replay:{recording}", out Socket notify);
        using (notify)
        {
            // READY=1 comes from Microsoft.Extensions.Hosting.Systemd's lifetime, STATUS= from ours, in
            // separate datagrams and either order (both are ApplicationStarted callbacks).
            var seen = new List<string>();
            Receive(notify, m =>
            {
                seen.Add(m);
                return seen.Any(s => s.Contains("READY=1", StringComparison.Ordinal)) && seen.Any(s => s.Contains("STATUS=", StringComparison.Ordinal));
            });
            Assert.Contains(seen, m => m.Contains("USB devices present", StringComparison.Ordinal)); // the replay may already have acted: it starts before READY

            string status = Receive(notify, m => m.Contains("WATCHDOG=1", StringComparison.Ordinal) && m.Contains("1 events", StringComparison.Ordinal));
            Assert.Contains("STATUS=4 USB devices present", status);

            using (Process.Start("kill", ["-TERM", daemon.Id.ToString()])!) { }
            Receive(notify, m => m.Contains("STOPPING=1", StringComparison.Ordinal));
            Assert.True(daemon.WaitForExit(20_000), "usbpassd did not stop within 20 s of SIGTERM");
            Assert.Equal(0, daemon.ExitCode);
        }

        var repo = new DeviceRepository(RegistryDatabase.Open(Path.Combine(_dir, "state", "registry.db"), "test"), UsbIds.Empty);
        Assert.Equal(DeviceStatus.Deleted, repo.ListAll().Single(r => r.PortId == "1-1.5.2.3").Status);
        Assert.Equal(4, repo.ListLive().Count);
    }

    [Fact]
    public void Under_systemd_the_log_uses_journald_priorities()
    {
        ProcessStartInfo psi = Usbpassd("--sysfs-root", _tree.Root, "--state-dir", Path.Combine(_dir, "state"), "--uevents", "none", "--libvirt-uri", "none", "--socket", Path.Combine(_dir, "usbpassd.sock"));

        psi.Environment["JOURNAL_STREAM"] = "8:12345";
        using Process daemon = Process.Start(psi)!;
        string line;
        do
        {
            line = daemon.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the daemon stopped before its start-up scan");
        }
        while (!line.Contains("startup scan", StringComparison.Ordinal));

        daemon.Kill();
        daemon.WaitForExit();

        Assert.StartsWith("<6>", line); // LOG_INFO
        Assert.Contains("startup scan: 5 USB devices present", line);
    }

    [Theory]
    [InlineData(new[] { "--uevents", "carrier-pigeon" }, 1, "--uevents must be netlink, none or replay:FILE")]
    [InlineData(new[] { "--config", "/nonexistent/usbpassd.json" }, 1, "config file /nonexistent/usbpassd.json does not exist")]
    [InlineData(new[] { "--bogus" }, 2, "Try 'usbpassd --help'")]
    public void Bad_options_fail_with_a_message(string[] args, int code, string message)
    {
        ProcessStartInfo psi = Usbpassd(args);

        using Process p = Process.Start(psi)!;
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();

        Assert.Equal(code, p.ExitCode);
        Assert.Contains(message, error);
    }

    [Fact]
    public void A_config_file_with_only_some_keys_keeps_the_defaults_of_the_others()
    {
        string config = Path.Combine(_dir, "partial.json");
        File.WriteAllText(config, $$"""
            // only what this test needs; everything else is the default
            { "libvirt_uri": "none", "uevents": "none", "sysfs_root": "{{_tree.Root}}", "state_dir": "{{Path.Combine(_dir, "state")}}",
              "socket": "{{Path.Combine(_dir, "usbpassd.sock")}}", "passthrough_blocklist": [{"vendor_id": "04a9"}], }
            """);
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(Path.Combine(_dir, "notify.sock")));
        ProcessStartInfo psi = Usbpassd("--config", config);
        psi.Environment["NOTIFY_SOCKET"] = Path.Combine(_dir, "notify.sock");
        using Process daemon = Process.Start(psi)!;

        Receive(notify, m => m.Contains("READY=1", StringComparison.Ordinal));
        daemon.Kill();
        daemon.WaitForExit();
        string log = daemon.StandardOutput.ReadToEnd();
        Assert.Contains("device policy: 1 rules, then 'default allow'", log);
    }

    [Theory]
    [InlineData("policy.rules", "allow id 0529:0001\nblock id 05z9:0001\n", "policy.rules: line 2, column 10: expected an id like 0529:0001")]
    [InlineData("usbpassd.json", "{\"passthrough_blocklist\": [{\"vendor\": \"1d6b\"}]}", "passthrough_blocklist in")]
    public void A_malformed_policy_stops_the_start_with_line_and_column(string file, string text, string message)
    {
        string path = Path.Combine(_dir, file);
        File.WriteAllText(path, System.Text.RegularExpressions.Regex.Unescape(text));
        ProcessStartInfo psi = Usbpassd("--uevents", "none", "--libvirt-uri", "none", "--sysfs-root", _tree.Root, "--state-dir", Path.Combine(_dir, "state"), "--socket", Path.Combine(_dir, "s.sock"));

        psi.ArgumentList.Add(file == "policy.rules" ? "--policy-file" : "--config");
        psi.ArgumentList.Add(path);
        using Process p = Process.Start(psi)!;
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();

        Assert.Equal(1, p.ExitCode);
        Assert.Contains(message, error);
    }

    [Fact]
    public void A_registry_from_a_newer_usbpassd_stops_the_start_with_advice()
    {
        string state = Path.Combine(_dir, "state");
        RegistryDatabase.Open(Path.Combine(state, "registry.db"), "test");
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(state, "registry.db")}"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA user_version = 42";
            cmd.ExecuteNonQuery();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using Process daemon = Start("none", out Socket notify);
        notify.Dispose();
        string error = daemon.StandardError.ReadToEnd();
        daemon.WaitForExit();

        Assert.Equal(1, daemon.ExitCode);
        Assert.Contains("schema v42, written by a newer UsbPassd", error);
    }

    [Fact]
    public void A_damaged_registry_stops_the_start_and_is_left_as_it_was()
    {
        string registry = Path.Combine(Directory.CreateDirectory(Path.Combine(_dir, "state")).FullName, "registry.db");
        byte[] damaged = [.. "SQLite format 3\0"u8, .. Enumerable.Repeat((byte)0xA5, 8192)];
        File.WriteAllBytes(registry, damaged);

        using Process daemon = Start("none", out Socket notify);
        notify.Dispose();
        string error = daemon.StandardError.ReadToEnd();
        daemon.WaitForExit();

        Assert.Equal(1, daemon.ExitCode);
        Assert.Contains("is damaged or not a SQLite database", error);
        Assert.Equal(damaged, File.ReadAllBytes(registry));
    }
}

/// <summary>The test build, under the JIT.</summary>
public sealed class JitDaemonProcessTests : DaemonProcessTests
{
    protected override ProcessStartInfo Usbpassd(params string[] arguments) =>
        Command("dotnet", [Path.Combine(AppContext.BaseDirectory, "usbpassd.dll"), .. arguments]);
}

/// <summary>
/// The shipped NativeAOT executable of <c>make publish</c>, the same tests: messages, exit codes and the
/// systemd protocol must not change with the build, and every path here runs without reflection.
/// </summary>
public sealed class ShippedDaemonProcessTests : DaemonProcessTests
{
    protected override ProcessStartInfo Usbpassd(params string[] arguments) => Command(Shipped.Usbpassd, arguments);
}
