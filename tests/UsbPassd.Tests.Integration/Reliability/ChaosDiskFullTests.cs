using System.Text.Json;
using static UsbPassd.Tests.Integration.Reliability.ChaosDaemon;
using UsbPassd.Protocol;
using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;
using UsbPassd.Tests.Integration.Libvirt;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// Chaos (issue 17): usbpassd's state directory is a small tmpfs that fills up while the daemon works
/// (uevents arriving, RPC detach and attach on a shut-off domain of this machine's libvirtd), and is
/// then freed. While full: reads go on, writes are refused with what to do, the log says it once. Once
/// freed: nothing lost (the history rows from before, the claim), the ledger agrees with libvirt's
/// XML, the daemon answers. Root only (mount).
/// </summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class ChaosDiskFullTests : IAsyncLifetime
{
    private readonly SysfsTree _tree = CorpusRecording.Materialize(
        Path.Combine(Corpus.Raw, "martinpitt__umockdev/devices__hidraw__fido2.umockdev"), "umockdev");
    private readonly string _dir = Directory.CreateTempSubdirectory("usbpassd-chaos-full-").FullName;
    private readonly string _domain = $"usbpassd-chaos-full-{Environment.ProcessId}";
    private ChaosDaemon? _daemon;

    private string State => Path.Combine(_dir, "state");

    private string Fill => Path.Combine(State, "fill");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(State);
        ChaosRegistry.Run($"mount -t tmpfs -o size=4m,mode=0755 usbpassd-chaos {State}");
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
        ChaosRegistry.Run($"umount {State}");
        _tree.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_full_state_directory_refuses_writes_with_advice_says_so_once_and_loses_nothing_once_freed()
    {
        _daemon = await ChaosDaemon.StartAsync(_dir, _tree.Root, State, "qemu:///system", ueventFifo: true);
        string attach = $$"""{"device":"{{ChaosRegistry.KeyPort}}","instance":"{{_domain}}"}""";
        Assert.Equal("attached", Result(await _daemon.CallAsync(Methods.DevicesAttach, attach)).GetProperty("state").GetString());
        IReadOnlyList<(long Id, string Kind)> before = ChaosRegistry.History(State);

        ChaosRegistry.Run($"dd if=/dev/zero of={Fill} bs=64k 2>/dev/null", mayFail: true);

        // While it lasts. A write asked over RPC (and through usbpassctl) is refused with what to do.
        JsonElement refused = Error(await _daemon.CallAsync(Methods.DevicesDetach, attach));
        Assert.Equal(ErrorCodes.InternalError, refused.GetProperty("code").GetInt32());
        Assert.StartsWith("the registry cannot be written: the disk of usbpassd's state directory (registry.db) is full. Free space there", refused.GetProperty("message").GetString());
        var (code, _, stderr) = _daemon.Usbpassctl("detach", ChaosRegistry.KeyPort, _domain);
        Assert.Equal(1, code);
        Assert.Contains("is full. Free space there", stderr);

        // Reads go on: host.info, and usbpassctl list, show the claim as it was.
        JsonElement info = Result(await _daemon.CallAsync(Methods.HostInfo, "{}"));
        Assert.Equal("connected", info.GetProperty("libvirt").GetString());
        Assert.Equal(1, info.GetProperty("devices_by_status").GetProperty("attached").GetInt32());
        var (listed, list, _) = _daemon.Usbpassctl("list");
        Assert.Equal(0, listed);
        Assert.Contains(ChaosRegistry.KeyPort, list);

        // Uevents keep coming (a stick plugged and unplugged on the key's hub): each plug's batch fails
        // (the registry must add a row); each is counted, the log says so once.
        long failedBefore = await _daemon.CounterAsync("usbpassd_uevent_commit_failures_total");
        for (int i = 0; i < 8; i++)
        {
            long handled = await _daemon.HandledAsync();
            bool plug = i % 2 == 0;
            if (plug)
            {
                ChaosRegistry.PlugStick(_tree);
            }
            else
            {
                ChaosRegistry.UnplugStick(_tree);
            }

            _daemon.SendUevent(ChaosRegistry.StickEvent(plug ? "add" : "remove"));
            await _daemon.WaitUntilAsync(async () => await _daemon.HandledAsync() > handled, $"uevent {i} to be handled (committed or refused)");
        }

        Assert.True(await _daemon.CounterAsync("usbpassd_uevent_commit_failures_total") - failedBefore >= 4, "every plug must have been refused");
        Assert.Equal(1, _daemon.Count("could not be committed"));
        Assert.Equal(0, _daemon.Count("takes commits again"));
        Assert.True(_daemon.Running);

        // Freed: the next uevent's rescan commits the truth (the stick plugged), said once; the
        // refused detach goes through now.
        File.Delete(Fill);
        ChaosRegistry.PlugStick(_tree);
        _daemon.SendUevent(ChaosRegistry.StickEvent("add"));
        await _daemon.WaitForLogAsync("the registry takes commits again after");
        Assert.Equal(1, _daemon.Count("the registry takes commits again after"));
        Assert.Equal(1, _daemon.Count("could not be committed"));
        var (shown, show, _) = _daemon.Usbpassctl("show", ChaosRegistry.StickPort);
        Assert.Equal(0, shown);
        Assert.Contains("available", show);
        Assert.Equal("attached", ChaosRegistry.Claims(State).Single().State);
        Assert.Equal("available", Result(await _daemon.CallAsync(Methods.DevicesDetach, attach)).GetProperty("device").GetProperty("status").GetString());
        Assert.Equal("attached", Result(await _daemon.CallAsync(Methods.DevicesAttach, attach)).GetProperty("state").GetString());

        // Nothing lost: the rows from before, in order and unchanged, then the new ones; ledger == libvirt.
        IReadOnlyList<(long Id, string Kind)> after = ChaosRegistry.History(State);
        Assert.Equal(before, after.Take(before.Count));
        Assert.Equal(["added", "detaching", "released", "claim_attaching", "attached"], after.Skip(before.Count).Select(h => h.Kind)); // the stick, then the detach and attach
        Assert.Equal(ChaosRegistry.Claims(State).Select(c => c.Alias).Order(), ChaosRegistry.OurAliases(_domain));
        Assert.True(_daemon.Running);
        Assert.Equal(1, Result(await _daemon.CallAsync(Methods.HostInfo, "{}")).GetProperty("devices_by_status").GetProperty("attached").GetInt32());
    }
}
