using System.Diagnostics;
using Microsoft.Data.Sqlite;
using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;

namespace UsbPassd.Tests.Integration.Libvirt;

/// <summary>After a SIGKILL, usbpassd's ledger is made to agree with the real libvirtd's domain XML.</summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class ReconcileTests : IDisposable
{
    private readonly SysfsTree _tree = CorpusRecording.Materialize(
        Path.Combine(Corpus.Raw, "martinpitt__umockdev/devices__cameras__canon-powershot-sx200.umockdev"), "umockdev");
    private readonly string _dir = Directory.CreateTempSubdirectory("usbpassd-reconcile-").FullName;
    private readonly string _domain = $"usbpassd-reconcile-{Environment.ProcessId}";

    // Every daemon a test started. One runs at a time on the state folder; the last is killed in
    // Dispose, so a failed assertion leaves none running.
    private readonly List<Process> _started = [];

    public void Dispose()
    {
        KillStarted();
        LocalLibvirt.Remove(_domain);
        _tree.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_claim_left_attaching_by_a_crash_is_settled_by_libvirts_xml_and_a_vanished_domain_releases_its_device()
    {
        await AttachThenKillAsync();

        // As if it had died between libvirt's attach and the confirmation.
        Sql("UPDATE assignments SET state = 'attaching'; UPDATE usb_devices SET status = 'attaching' WHERE instance_uuid IS NOT NULL");
        await StartUntilLoggedAsync("attaching settled as attached");
        Assert.Equal("attached", Sql("SELECT state FROM assignments"));

        KillStarted(); // the domain goes while usbpassd is down: the next start must notice
        LocalLibvirt.Shell($"virsh -q -c qemu:///system undefine {_domain}");
        await StartUntilLoggedAsync("its domain no longer exists");
        Assert.Equal("0", Sql("SELECT count(*) FROM assignments"));
        Assert.Equal("available", Sql("SELECT status FROM usb_devices WHERE port_id = '1-1.5.2.3' AND deleted = 0"));
    }

    [Fact]
    public async Task A_hostdev_libvirtd_added_after_the_caller_died_turns_the_reserved_claim_into_attached()
    {
        await AttachThenKillAsync();

        // As if the daemon had rolled the claim back (it saw no answer) while libvirtd went on and
        // added the hostdev: the ledger must follow libvirt, not its own last word.
        Sql("UPDATE assignments SET state = 'reserved'; UPDATE usb_devices SET status = 'reserved' WHERE instance_uuid IS NOT NULL");
        await StartUntilLoggedAsync("reserved settled as attached");
        Assert.Equal("attached", Sql("SELECT state FROM assignments"));
        Assert.Equal("attached", Sql("SELECT status FROM usb_devices WHERE port_id = '1-1.5.2.3' AND deleted = 0"));
    }

    [Fact]
    public async Task A_reservation_for_an_instance_libvirt_does_not_know_yet_outlives_a_reconcile()
    {
        const string instance = "00000000-0000-4000-8000-0000000000d1"; // the scheduler's pick; the VM is not defined yet
        await StartAsync();
        Assert.Contains("\"reserved\"", Ask("devices.reserve", $"\"device\":\"1-1.5.2.3\",\"instance_uuid\":\"{instance}\""));

        await StartUntilLoggedAsync("reconciled with libvirt's domain XML", debug: true); // the start-up pass
        Assert.Equal($"reserved {instance}", Sql("SELECT state || ' ' || instance_uuid FROM assignments"));
    }

    private string Socket => Path.Combine(_dir, "usbpassd.sock");

    private string Ask(string method, string parameters) =>
        LocalLibvirt.Shell($"printf '%s\\n' '{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"{method}\",\"params\":{{{parameters}}}}}' | socat -t 10 - UNIX-CONNECT:{Socket}");

    // The camera attached to a shut-off domain (its definition), then the daemon SIGKILLed: no clean stop.
    private async Task AttachThenKillAsync()
    {
        LocalLibvirt.Define(_domain);
        await StartAsync();
        string reply = Ask("devices.attach", $"\"device\":\"1-1.5.2.3\",\"instance\":\"{_domain}\"");
        Assert.True(reply.Contains("\"attached\"", StringComparison.Ordinal), reply);
        KillStarted();
    }

    /// <summary>SIGKILLs the daemon that ran before (no clean stop) and starts one on the state it left.</summary>
    private async Task<Process> StartAsync(bool debug = false)
    {
        KillStarted();
        File.Delete(Socket); // the killed one's: waiting for the file must mean this daemon is listening
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        if (debug)
        {
            psi.Environment["USBPASSD_DEBUG"] = "1";
        }

        foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "usbpassd.dll"), "--sysfs-root", _tree.Root, "--state-dir", Path.Combine(_dir, "state"), "--socket", Socket, "--uevents", "none", "--libvirt-uri", "qemu:///system" })
        {
            psi.ArgumentList.Add(a);
        }

        Process p = Process.Start(psi)!;
        _started.Add(p);
        _ = p.StandardError.ReadToEndAsync(); // drained, so a chatty daemon never blocks on a full pipe
        for (int i = 0; i < 600 && !File.Exists(Socket); i++)
        {
            await Task.Delay(50);
        }

        return p;
    }

    /// <summary>As <see cref="StartAsync"/>, then waits until the daemon logged <paramref name="text"/>.</summary>
    private async Task StartUntilLoggedAsync(string text, bool debug = false)
    {
        Process daemon = await StartAsync(debug);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await daemon.StandardOutput.ReadLineAsync(cts.Token) is string line)
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                return;
            }
        }

        throw new Xunit.Sdk.XunitException($"usbpassd ended without logging '{text}'");
    }

    private void KillStarted()
    {
        foreach (Process p in _started)
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }

            p.WaitForExit();
            p.Dispose();
        }

        _started.Clear();
    }

    private string Sql(string sql)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(_dir, "state", "registry.db")}");
        c.Open();
        using SqliteCommand cmd = c.CreateCommand();
        cmd.CommandText = sql;
        string result = Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
        c.Close();
        SqliteConnection.ClearAllPools();
        return result;
    }
}
