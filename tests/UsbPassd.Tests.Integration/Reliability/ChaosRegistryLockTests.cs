using System.Diagnostics;
using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;
using UsbPassd.Tests.Integration.Libvirt;
using static UsbPassd.Tests.Integration.Reliability.ChaosDaemon;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// Chaos (issue 17): another program (an admin's <c>sqlite3</c>) holds the registry's write lock
/// (<c>BEGIN EXCLUSIVE</c>) for longer than usbpassd waits, while an attach, a reservation through
/// usbpassctl and a uevent's commit need it; then lets go. While it lasts: reads go on (WAL), writes
/// are refused with what to do, the log says it once, and the watchdog keeps being pinged (a refused
/// write gives up within the watchdog's period). After: nothing lost, ledger == libvirt's XML.
/// Slow by nature: each refused write waits out the registry's busy time-out (10 s; they run side by side).
/// </summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class ChaosRegistryLockTests : IAsyncLifetime
{
    private readonly SysfsTree _tree = CorpusRecording.Materialize(
        Path.Combine(Corpus.Raw, "martinpitt__umockdev/devices__hidraw__fido2.umockdev"), "umockdev");
    private readonly string _dir = Directory.CreateTempSubdirectory("usbpassd-chaos-lock-").FullName;
    private readonly string _domain = $"usbpassd-chaos-lock-{Environment.ProcessId}";
    private ChaosDaemon? _daemon;

    private string State => Path.Combine(_dir, "state");

    public Task InitializeAsync()
    {
        LocalLibvirt.Define(_domain);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_daemon is not null)
        {
            await _daemon.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        LocalLibvirt.Remove(_domain);
        _tree.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_registry_locked_past_the_busy_timeout_refuses_writes_with_advice_says_so_once_and_loses_nothing_once_released()
    {
        _daemon = await ChaosDaemon.StartAsync(_dir, _tree.Root, State, "qemu:///system", ueventFifo: true, watchdogSeconds: 20);
        string uuid = LocalLibvirt.Shell($"virsh -q -c qemu:///system domuuid {_domain}").Trim();
        string attach = $$"""{"device":"{{ChaosRegistry.KeyPort}}","instance":"{{_domain}}"}""";
        IReadOnlyList<(long Id, string Kind)> before = ChaosRegistry.History(State);

        using Process holder = Process.Start(new ProcessStartInfo("sqlite3", [Path.Combine(State, "registry.db")])
        { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            await holder.StandardInput.WriteLineAsync("BEGIN EXCLUSIVE; INSERT INTO compute_nodes (id, hostname, created_at) VALUES (99, 'admin-was-here', 'now');\n.print locked");
            await holder.StandardInput.FlushAsync();
            Assert.Equal("locked", await holder.StandardOutput.ReadLineAsync());

            // While it lasts: an attach, a reservation through usbpassctl and a plug's commit, side by side.
            long handled = await _daemon.HandledAsync();
            ChaosRegistry.PlugStick(_tree);
            _daemon.SendUevent(ChaosRegistry.StickEvent("add"));
            Task<JsonElement> attaching = _daemon.CallAsync(Methods.DevicesAttach, attach);
            Task<(int Code, string Out, string Err)> reserving = Task.Run(() => _daemon.Usbpassctl("reserve", ChaosRegistry.KeyPort, uuid));

            JsonElement info = Result(await _daemon.CallAsync(Methods.HostInfo, "{}")); // reads go on under the lock (WAL)
            Assert.Equal(3, info.GetProperty("devices_by_status").EnumerateObject().Sum(p => p.Value.GetInt32()));

            JsonElement refused = Error(await attaching);
            Assert.Equal(ErrorCodes.InternalError, refused.GetProperty("code").GetInt32());
            Assert.StartsWith("the registry is locked by another program for longer than usbpassd waits for it. Find that program (fuser -v registry.db", refused.GetProperty("message").GetString());
            var (code, _, stderr) = await reserving;
            Assert.Equal(1, code);
            Assert.StartsWith("usbpassctl: the registry is locked by another program", stderr);
            await _daemon.WaitUntilAsync(async () => await _daemon.HandledAsync() > handled, "the plug's batch to be refused");

            // Held on (the watchdog's pings retry the commit): longer than the watchdog's period, still answering.
            await _daemon.WaitUntilAsync(async () => await _daemon.CounterAsync("usbpassd_uevent_commit_failures_total") >= 3, "three refused commits");
            Assert.Equal(0, _daemon.Count("withholding the watchdog ping"));
            Assert.Equal(1, _daemon.Count("could not be committed"));
            Assert.Empty(ChaosRegistry.OurAliases(_domain)); // the refused attach did not reach libvirt
            Assert.True(_daemon.Running);
        }
        finally
        {
            await holder.StandardInput.WriteLineAsync("ROLLBACK;");
            holder.StandardInput.Close();
            await holder.WaitForExitAsync();
        }

        // Released: the next uevent's rescan commits the stick, said once; the attach goes through.
        _daemon.SendUevent(ChaosRegistry.StickEvent("change"));
        await _daemon.WaitForLogAsync("the registry takes commits again after");
        Assert.Equal("attached", Result(await _daemon.CallAsync(Methods.DevicesAttach, attach)).GetProperty("state").GetString());
        Assert.Equal("reserved", Result(await _daemon.CallAsync(Methods.DevicesReserve, $$"""{"device":"{{ChaosRegistry.StickPort}}","instance_uuid":"{{uuid}}"}""")).GetProperty("state").GetString());

        IReadOnlyList<(long Id, string Kind)> after = ChaosRegistry.History(State);
        Assert.Equal(before, after.Take(before.Count));
        Assert.Equal(["added", "claim_attaching", "attached", "claim_reserved"], after.Skip(before.Count).Select(h => h.Kind));
        Assert.Equal(
            ChaosRegistry.Claims(State).Where(c => c.State == "attached").Select(c => c.Alias).Order(),
            ChaosRegistry.OurAliases(_domain));
        Assert.True(_daemon.Running);
        Assert.Equal(1, _daemon.Count("could not be committed"));
    }
}
