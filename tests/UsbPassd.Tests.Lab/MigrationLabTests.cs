using System.Diagnostics;
using UsbPassd.Testing;
using UsbPassd.Testing.Lab;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Lab;

/// <summary>
/// Live migration through usbpassd on both lab hosts (docs/migration.md): each host runs its daemon
/// and the shipped libvirt hook; A's stick (MIG-A-0001) goes with the VM as the claim's decision says,
/// B has two look-alike sticks. What counts is QEMU's truth on the destination (qom-get attached, the
/// fd, the host driver unbound), never libvirt's XML or <c>info usb</c> alone.
/// </summary>
[Collection(PairGroup.Name)]
public sealed class MigrationLabTests(PairFixture fx, ITestOutputHelper output)
{
    private const string KeyA = "46f4:0001:MIG-A-0001";
    private static string Hook => Path.Combine(Corpus.RepositoryRoot, "packaging", "libvirt", "usbpassd");

    [Fact]
    public Task An_equivalent_device_is_reserved_on_the_destination_connected_after_arrival_and_the_source_frees_its_own() => PairScenario.RunAsync(fx, output, "mig-eq", async pair =>
    {
        const string domain = "l2-mig-eq", uuid = "6d1b7f4e-0000-4000-8000-00000000e001";
        (LabDaemon a, LabDaemon b) = await StartAsync(pair);
        await pair.StartDomainAsync(pair.A, "l2-mig-bare"); // the same guest without USB: the baseline
        LabMigration bare = await pair.MigrateAsync("l2-mig-bare", pair.A, pair.B);
        Assert.True(bare.Result.Succeeded, $"without USB: {bare.Result}");

        await pair.StartDomainAsync(pair.A, domain, uuid: uuid);
        await pair.A.RunAsync(a.Ctl($"attach {PairFixture.StickA.PortId} {domain} --migration equivalent"));
        string check = await pair.A.RunAsync(a.Ctl($"migrate-check {domain}"));
        Assert.Contains("needs-equivalent", check);
        output.WriteLine(check);

        LabMigration moved = await pair.MigrateAsync(domain, pair.A, pair.B);
        Assert.True(moved.Result.Succeeded, $"with USB: {moved.Result}");
        var arrival = Stopwatch.StartNew();
        await b.WaitForLogAsync("connected after the migration");
        List<System.Text.Json.JsonElement> held = await b.WaitForRowsAsync($"deleted = 0 AND instance_uuid = '{uuid}' AND status = 'attached'", 1);
        string portOnB = held[0].GetProperty("port_id").GetString()!;
        string alias = (await pair.B.RunAsync($"sqlite3 {b.StateDirectory}/registry.db \"SELECT alias FROM assignments WHERE instance_uuid = '{uuid}'\"")).Trim();
        await WaitUntilAsync(() => pair.B.Host.QomAttachedAsync(domain, alias), "QEMU on B has the device open");
        TimeSpan downtime = arrival.Elapsed;
        Assert.True(await pair.B.Host.QemuHoldsUsbAsync(domain), "QEMU on B holds a /dev/bus/usb file");
        Assert.Null(await pair.B.Host.HostDriverOfAsync(portOnB));
        Assert.Equal("0", (await pair.B.RunAsync($"sqlite3 {b.StateDirectory}/registry.db \"SELECT incoming FROM assignments WHERE instance_uuid = '{uuid}'\"")).Trim());

        await a.WaitForRowsAsync($"deleted = 0 AND dev_id = '{KeyA}' AND status = 'available'", 1);
        Assert.Equal("usb-storage", await pair.A.Host.HostDriverOfAsync(PairFixture.StickA.PortId));
        // The metadata now names B's device: the next migration starts from here.
        Assert.Contains("dev_id=\"46f4:0001:MIG-B-", await pair.B.RunAsync($"virsh dumpxml {domain}"));

        string hook = await HookRoundTripAsync(pair.B, b, domain);
        output.WriteLine($"migration wall time: without USB {bare.WallTime.TotalSeconds:0.0} s, with an equivalent USB device {moved.WallTime.TotalSeconds:0.0} s " +
            $"(ratio {moved.WallTime / bare.WallTime:0.00}); USB back in the guest on B {downtime.TotalSeconds:0.0} s after the migration returned (on {portOnB}); {hook}");
    });

    [Fact]
    public Task A_licence_key_is_refused_before_anything_moves_and_the_vm_keeps_it_on_the_source() => PairScenario.RunAsync(fx, output, "mig-refuse", async pair =>
    {
        const string domain = "l2-mig-refuse", uuid = "6d1b7f4e-0000-4000-8000-00000000e002";
        (LabDaemon a, LabDaemon b) = await StartAsync(pair);
        await pair.StartDomainAsync(pair.A, domain, uuid: uuid);
        await pair.A.RunAsync(a.Ctl($"attach {PairFixture.StickA.PortId} {domain}")); // a serial: refuse by default

        ExecResult check = await pair.A.ExecAsync(a.Ctl($"migrate-check {domain} --to lab-b"));
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("blocks", check.Stdout);

        LabMigration refused = await pair.MigrateAsync(domain, pair.A, pair.B);
        Assert.False(refused.Result.Succeeded, "the migration of a licence key went through");
        Assert.Contains("usbpassd on lab-b", refused.Result.Stderr);
        Assert.Contains($"holds {KeyA} (migration: refuse)", refused.Result.Stderr);
        output.WriteLine($"refused in {refused.WallTime.TotalSeconds:0.0} s: {refused.Result.Stderr.Trim()}");

        Assert.Equal("paused", (await pair.A.RunAsync($"virsh -q domstate {domain}")).Trim());
        Assert.False((await pair.B.ExecAsync($"virsh -q dominfo {domain}")).Succeeded, "the domain exists on B");
        string alias = (await pair.A.RunAsync($"sqlite3 {a.StateDirectory}/registry.db \"SELECT alias FROM assignments WHERE instance_uuid = '{uuid}'\"")).Trim();
        Assert.True(await pair.A.Host.QomAttachedAsync(domain, alias), "A's guest lost its key");
        await a.WaitForRowsAsync($"deleted = 0 AND dev_id = '{KeyA}' AND status = 'attached' AND instance_uuid = '{uuid}'", 1);
        await b.WaitForRowsAsync("deleted = 0 AND instance_uuid IS NOT NULL", 0);
    });

    [Fact]
    public Task A_dropped_device_stays_behind_free_and_the_vm_arrives_without_it() => PairScenario.RunAsync(fx, output, "mig-drop", async pair =>
    {
        const string domain = "l2-mig-drop", uuid = "6d1b7f4e-0000-4000-8000-00000000e003";
        (LabDaemon a, LabDaemon b) = await StartAsync(pair);
        await pair.StartDomainAsync(pair.A, domain, uuid: uuid);
        await pair.A.RunAsync(a.Ctl($"attach {PairFixture.StickA.PortId} {domain}"));
        await pair.A.RunAsync(a.Ctl($"migration {PairFixture.StickA.PortId} drop"));

        LabMigration moved = await pair.MigrateAsync(domain, pair.A, pair.B);
        Assert.True(moved.Result.Succeeded, $"drop: {moved.Result}");
        await b.WaitForLogAsync("dropped by the migration");
        await a.WaitForRowsAsync($"deleted = 0 AND dev_id = '{KeyA}' AND status = 'available'", 1);
        await b.WaitForRowsAsync("deleted = 0 AND instance_uuid IS NOT NULL", 0);
        await pair.B.RunAsync($"{LabHost.ScriptDirectory}/wait-until.sh 30 /tmp -- bash -c '! virsh dumpxml {domain} | grep -q ua-usbpassd-'");
        Assert.False(await pair.B.Host.QemuHoldsUsbAsync(domain), "QEMU on B holds a USB device it was not given");
    });

    [Fact]
    public Task A_migration_that_fails_after_the_destination_reserved_leaves_no_reservation_and_the_source_as_it_was() => PairScenario.RunAsync(fx, output, "mig-fail", async pair =>
    {
        const string domain = "l2-mig-fail", uuid = "6d1b7f4e-0000-4000-8000-00000000e004";
        (LabDaemon a, LabDaemon b) = await StartAsync(pair,
            // After usbpassd's hook reserved, another hook refuses the start: libvirt cancels the incoming migration.
            extraHookB: $"#!/bin/sh\ncat >/dev/null\n[ \"$1 $2 $3\" = \"{domain} prepare begin\" ] && {{ echo 'zz-test: this start fails on purpose' >&2; exit 1; }}\nexit 0\n");
        await pair.StartDomainAsync(pair.A, domain, uuid: uuid);
        await pair.A.RunAsync(a.Ctl($"attach {PairFixture.StickA.PortId} {domain} --migration equivalent"));

        LabMigration failed = await pair.MigrateAsync(domain, pair.A, pair.B);
        Assert.False(failed.Result.Succeeded, "the migration went through");
        Assert.Contains("zz-test", failed.Result.Stderr);
        await b.WaitForLogAsync("did not arrive (failed or cancelled)");
        await b.WaitForRowsAsync("deleted = 0 AND instance_uuid IS NOT NULL", 0);
        await a.WaitForRowsAsync($"deleted = 0 AND dev_id = '{KeyA}' AND status = 'attached' AND instance_uuid = '{uuid}'", 1);
        Assert.Equal("paused", (await pair.A.RunAsync($"virsh -q domstate {domain}")).Trim());
        output.WriteLine($"failed after the reservation: {failed.Result.Stderr.Trim()}");
    });

    [Fact]
    public Task Daemons_killed_around_a_migration_converge_with_libvirt_on_both_hosts_when_restarted() => PairScenario.RunAsync(fx, output, "mig-kill", async pair =>
    {
        const string domain = "l2-mig-kill", uuid = "6d1b7f4e-0000-4000-8000-00000000e005";
        (LabDaemon a, LabDaemon b) = await StartAsync(pair,
            // Once B's daemon has reserved (migrate begin is over), it dies before the domain arrives.
            extraHookB: $"#!/bin/sh\ncat >/dev/null\n[ \"$1 $2 $3\" = \"{domain} prepare begin\" ] && pkill -KILL -f -- '--state-dir /run/usbpassd-mig-kill-b'\nexit 0\n");
        await pair.StartDomainAsync(pair.A, domain, uuid: uuid);
        await pair.A.RunAsync(a.Ctl($"attach {PairFixture.StickA.PortId} {domain} --migration equivalent"));
        await pair.A.RunAsync($"pkill -KILL -f -- '--state-dir {a.StateDirectory}'"); // A's daemon is down during the migration

        LabMigration moved = await pair.MigrateAsync(domain, pair.A, pair.B);
        Assert.True(moved.Result.Succeeded, $"{moved.Result}");
        Assert.False((await pair.B.ExecAsync($"pgrep -f -- '--state-dir {b.StateDirectory}'")).Succeeded, "B's daemon was not killed by the test hook");

        await b.RestartAsync(LabDaemon.WithLibvirt);
        await a.RestartAsync(LabDaemon.WithLibvirt);
        await b.WaitForLogAsync("connected after the migration");
        List<System.Text.Json.JsonElement> held = await b.WaitForRowsAsync($"deleted = 0 AND instance_uuid = '{uuid}' AND status = 'attached'", 1);
        string alias = (await pair.B.RunAsync($"sqlite3 {b.StateDirectory}/registry.db \"SELECT alias FROM assignments WHERE instance_uuid = '{uuid}'\"")).Trim();
        await WaitUntilAsync(() => pair.B.Host.QomAttachedAsync(domain, alias), "QEMU on B has the device open");
        Assert.Null(await pair.B.Host.HostDriverOfAsync(held[0].GetProperty("port_id").GetString()!));
        await a.WaitForRowsAsync($"deleted = 0 AND dev_id = '{KeyA}' AND status = 'available'", 1);
    });

    // Both daemons with libvirt, the shipped hook on both hosts (plus a test's own on B), libvirtd restarted to see them.
    private static async Task<(LabDaemon A, LabDaemon B)> StartAsync(PairScenario pair, string? extraHookB = null)
    {
        LabDaemon a = await pair.A.StartDaemonAsync(LabDaemon.WithLibvirt);
        LabDaemon b = await pair.B.StartDaemonAsync(LabDaemon.WithLibvirt);
        foreach ((LabScenario host, LabDaemon daemon) in new[] { (pair.A, a), (pair.B, b) })
        {
            pair.Finally($"remove the hooks of {daemon.Name}", async () =>
            {
                await host.RunAsync("rm -f /etc/libvirt/hooks/qemu.d/usbpassd /etc/libvirt/hooks/qemu.d/zz-test /etc/usbpassd/hook.conf");
                await pair.RestartLibvirtdAsync(host);
            });
            await host.RunAsync($"mkdir -p /etc/libvirt/hooks/qemu.d /etc/usbpassd && install -m 755 {Hook} /etc/libvirt/hooks/qemu.d/usbpassd && printf 'socket={daemon.Socket}\\n' > /etc/usbpassd/hook.conf");
            if (host == pair.B && extraHookB is not null)
            {
                await File.WriteAllTextAsync(Path.Combine(host.ShareDirectory, "zz-test"), extraHookB);
                await host.RunAsync($"install -m 755 {host.ShareDirectory}/zz-test /etc/libvirt/hooks/qemu.d/zz-test");
            }

            await pair.RestartLibvirtdAsync(host);
        }

        await a.WaitForRowsAsync($"deleted = 0 AND dev_id = '{KeyA}'", 1);
        await b.WaitForRowsAsync("deleted = 0 AND dev_id LIKE '46f4:0001:MIG-B-%'", 2);
        return (a, b);
    }

    // The hook as libvirt runs it on B for an incoming copy of DOMAIN (another UUID, all its devices dropped-or-not as they are): p50 of 5.
    private static async Task<string> HookRoundTripAsync(LabScenario host, LabDaemon daemon, string domain)
    {
        const string probe = "6d1b7f4e-0000-4000-8000-0000000000ff";
        host.Finally("release what the hook probe reserved", () => host.RunAsync(
            $"for p in $(sqlite3 {daemon.StateDirectory}/registry.db \"SELECT port_id FROM usb_devices WHERE deleted = 0 AND instance_uuid = '{probe}'\"); do {daemon.Ctl($"release $p {probe}")}; done"));
        string times = await host.RunAsync(
            $"x=$(virsh dumpxml --migratable {domain} | sed 's|<uuid>[^<]*</uuid>|<uuid>{probe}</uuid>|; s|<name>[^<]*</name>|<name>hook-probe</name>|'); " +
            "for i in 1 2 3 4 5; do s=$(date +%s%N); printf '%s\\n' \"$x\" | /etc/libvirt/hooks/qemu.d/usbpassd hook-probe migrate begin - >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000 )); done");
        double[] us = [.. times.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(double.Parse).Order()];
        return $"hook round trip on migrate begin (5 runs, TCG L1): p50 {us[2] / 1000:0.0} ms, max {us[^1] / 1000:0.0} ms";
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 60)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                throw new Xunit.Sdk.XunitException($"not within {seconds} s: {what}");
            }

            await Task.Delay(250);
        }
    }
}
