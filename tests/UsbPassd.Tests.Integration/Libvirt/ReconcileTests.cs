using System.Diagnostics;
using Microsoft.Data.Sqlite;
using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;

namespace UsbPassd.Tests.Integration.Libvirt;

/// <summary>After a SIGKILL, usbpassd's ledger is made to agree with the real libvirtd's domain XML.</summary>
public sealed class ReconcileTests : IDisposable
{
    private readonly SysfsTree _tree = CorpusRecording.Materialize(
        Path.Combine(Corpus.Raw, "martinpitt__umockdev/devices__cameras__canon-powershot-sx200.umockdev"), "umockdev");
    private readonly string _dir = Directory.CreateTempSubdirectory("usbpassd-reconcile-").FullName;
    private readonly string _domain = $"usbpassd-reconcile-{Environment.ProcessId}";

    // Every daemon a test started: killed in Dispose too, so a failed assertion leaves none running.
    private readonly List<Process> _started = [];

    public void Dispose()
    {
        foreach (Process p in _started)
        {
            try
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
            }
            catch (InvalidOperationException)
            {
                // already exited
            }

            p.Dispose();
        }

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
        Process second = Start(out Task<string> log);
        await WaitReady();
        await WaitForLog(second, "attaching settled as attached");
        Assert.Equal("attached", Sql("SELECT state FROM assignments"));
        second.Kill();
        await second.WaitForExitAsync();

        LocalLibvirt.Shell($"virsh -q -c qemu:///system undefine {_domain}");
        Process third = Start(out _);
        await WaitReady();
        await WaitForLog(third, "its domain no longer exists");
        Assert.Equal("0", Sql("SELECT count(*) FROM assignments"));
        Assert.Equal("available", Sql("SELECT status FROM usb_devices WHERE port_id = '1-1.5.2.3' AND deleted = 0"));
        third.Kill();
        await third.WaitForExitAsync();
    }

    [Fact]
    public async Task A_hostdev_libvirtd_added_after_the_caller_died_turns_the_reserved_claim_into_attached()
    {
        await AttachThenKillAsync();

        // As if the daemon had rolled the claim back (it saw no answer) while libvirtd went on and
        // added the hostdev: the ledger must follow libvirt, not its own last word.
        Sql("UPDATE assignments SET state = 'reserved'; UPDATE usb_devices SET status = 'reserved' WHERE instance_uuid IS NOT NULL");
        Process second = Start(out _);
        await WaitReady();
        await WaitForLog(second, "reserved settled as attached");
        Assert.Equal("attached", Sql("SELECT state FROM assignments"));
        Assert.Equal("attached", Sql("SELECT status FROM usb_devices WHERE port_id = '1-1.5.2.3' AND deleted = 0"));
        second.Kill();
        await second.WaitForExitAsync();
    }

    [Fact]
    public async Task A_reservation_for_an_instance_libvirt_does_not_know_yet_outlives_a_reconcile()
    {
        const string instance = "00000000-0000-4000-8000-0000000000d1"; // the scheduler's pick; the VM is not defined yet
        Process first = Start(out _);
        await WaitReady();
        Assert.Contains("\"reserved\"", Ask("devices.reserve", $"\"device\":\"1-1.5.2.3\",\"instance_uuid\":\"{instance}\""));
        first.Kill();
        await first.WaitForExitAsync();

        Process second = Start(out _, debug: true);
        await WaitReady();
        await WaitForLog(second, "reconciled with libvirt's domain XML"); // the start-up pass
        Assert.Equal($"reserved {instance}", Sql("SELECT state || ' ' || instance_uuid FROM assignments"));
        second.Kill();
        await second.WaitForExitAsync();
    }

    private string Socket => Path.Combine(_dir, "usbpassd.sock");

    private string Ask(string method, string parameters) =>
        LocalLibvirt.Shell($"printf '%s\\n' '{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"{method}\",\"params\":{{{parameters}}}}}' | socat -t 10 - UNIX-CONNECT:{Socket}");

    // The camera attached to a shut-off domain (its definition), then the daemon SIGKILLed: no clean stop.
    private async Task AttachThenKillAsync()
    {
        LocalLibvirt.Define(_domain);
        Process first = Start(out _);
        await WaitReady();
        string reply = Ask("devices.attach", $"\"device\":\"1-1.5.2.3\",\"instance\":\"{_domain}\"");
        Assert.Contains("\"attached\"", reply);
        first.Kill();
        await first.WaitForExitAsync();
    }

    private Process Start(out Task<string> log, bool debug = false)
    {
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
        log = p.StandardError.ReadToEndAsync();
        return p;
    }

    private async Task WaitReady()
    {
        for (int i = 0; i < 600 && !File.Exists(Socket); i++)
        {
            await Task.Delay(50);
        }
    }

    private static async Task WaitForLog(Process daemon, string text)
    {
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
