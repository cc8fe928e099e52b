using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Testing.Lab;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Lab;

/// <summary>
/// Ownership when things go wrong, on real devices and the lab's real libvirtd: racing callers,
/// libvirtd restarting, usbpassd killed in the middle of an attach, a full guest controller, a swap,
/// a device passed by hand with virsh.
/// </summary>
[Collection(LabGroup.Name)]
public sealed class OwnershipLabTests(LabFixture fx, ITestOutputHelper output)
{
    private LabHost Lab => fx.Lab;

    private static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement.Clone();

    [Fact]
    public async Task Two_instances_racing_for_one_device_one_wins_and_only_its_domain_gets_it()
    {
        fx.Output = output;
        LabDaemon daemon = await LabDaemon.StartAsync(Lab, "race", "--libvirt-uri qemu:///system");
        var stick = new UsbStorage("race-stick", "4", Serial: "RACE-0001");
        await Lab.PlugAsync(stick);
        await Lab.StartDomainAsync("l2-race-a");
        await Lab.DefineDomainAsync("l2-race-b");
        try
        {
            await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:RACE-0001'", 1);
            string a = daemon.Send(LabDaemon.Request(Methods.DevicesAttach, $$"""{"device":"{{stick.PortId}}","instance":"l2-race-a"}"""));
            string b = daemon.Send(LabDaemon.Request(Methods.DevicesAttach, $$"""{"device":"{{stick.PortId}}","instance":"l2-race-b"}"""));
            string[] replies = (await Lab.RunAsync($"{a} > /tmp/race-a.json & {b} > /tmp/race-b.json & wait; cat /tmp/race-a.json /tmp/race-b.json"))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);

            JsonElement[] r = [.. replies.Select(Json)];
            JsonElement winner = Assert.Single(r, x => x.TryGetProperty("result", out _)).GetProperty("result");
            JsonElement loser = Assert.Single(r, x => x.TryGetProperty("error", out _)).GetProperty("error");
            Assert.True(loser.GetProperty("code").GetInt32() == ErrorCodes.DeviceOwned, $"the loser was told {loser}, not that the device is owned");
            string owner = winner.GetProperty("instance_uuid").GetString()!;
            Assert.Contains(owner, loser.GetProperty("message").GetString());

            string alias = winner.GetProperty("alias").GetString()!;
            string ownerName = (await Lab.RunAsync($"virsh domname {owner}")).Trim();
            string otherName = ownerName == "l2-race-a" ? "l2-race-b" : "l2-race-a";
            Assert.Contains(alias, await Lab.RunAsync($"virsh dumpxml --inactive {ownerName}"));
            Assert.DoesNotContain(alias, await Lab.RunAsync($"virsh dumpxml --inactive {otherName}"));
            output.WriteLine($"race: {ownerName} won; the other was told: {loser.GetProperty("message").GetString()}");
        }
        finally
        {
            output.WriteLine(string.Join('\n', daemon.Log.Split('\n').Where(l => !l.Contains("dbug:", StringComparison.Ordinal))));
            await Lab.StopDomainAsync("l2-race-a");
            await Lab.StopDomainAsync("l2-race-b");
            await daemon.StopAsync();
            await Lab.UnplugAllAsync(d => d.Id.StartsWith("race-", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Libvirtd_restarting_while_the_device_is_replugged_is_caught_up_when_it_is_back()
    {
        fx.Output = output;
        LabDaemon daemon = await LabDaemon.StartAsync(Lab, "restart", "--libvirt-uri qemu:///system");
        var stick = new UsbStorage("restart-stick", "5", Serial: "RESTART-0001");
        await Lab.PlugAsync(stick);
        await Lab.StartDomainAsync("l2-restart");
        try
        {
            await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:RESTART-0001'", 1);
            await Lab.RunAsync(daemon.Ctl($"attach {stick.PortId} l2-restart"));

            await Lab.RunAsync("pkill -x libvirtd; while pgrep -x libvirtd >/dev/null; do sleep 0.05; done");
            await daemon.WaitForLogAsync("libvirtd closed the connection");
            ExecResult refused = await Lab.ExecAsync(daemon.Ctl($"detach {stick.PortId} l2-restart"));
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("cannot reach libvirtd", refused.Stderr + refused.Stdout);

            await Lab.UnplugAsync(stick);
            await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:RESTART-0001' AND status = 'missing'", 1);
            var back = stick with { Port = "6" };
            await Lab.PlugAsync(back);
            await daemon.WaitForRowsAsync($"deleted = 0 AND dev_id = '46f4:0001:RESTART-0001' AND port_id = '{back.PortId}'", 1);

            await Lab.RunAsync("libvirtd -d");
            await daemon.WaitForLogAsync("re-attached (missed while libvirt was unreachable)");
            await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:RESTART-0001' AND status = 'attached'", 1);
            Assert.Contains("QEMU USB HARDDRIVE", await Lab.GuestUsbAsync("l2-restart"));
        }
        finally
        {
            output.WriteLine(string.Join('\n', daemon.Log.Split('\n').Where(l => !l.Contains("dbug:", StringComparison.Ordinal))));
            await Lab.RunAsync("pgrep -x libvirtd >/dev/null || libvirtd -d; for i in $(seq 100); do virsh -q list >/dev/null 2>&1 && break; sleep 0.1; done");
            await Lab.StopDomainAsync("l2-restart");
            await daemon.StopAsync();
            await Lab.UnplugAllAsync(d => d.Id.StartsWith("restart-", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_device_passed_by_hand_with_virsh_to_a_running_vm_is_held_as_external_until_virsh_takes_it_out()
    {
        fx.Output = output;
        LabDaemon daemon = await LabDaemon.StartAsync(Lab, "byhand", "--libvirt-uri qemu:///system");
        var stick = new UsbStorage("byhand-stick", "6", Serial: "BYHAND-0001");
        await Lab.PlugAsync(stick);
        await Lab.StartDomainAsync("l2-byhand");
        const string other = "6f1c0a3e-0000-4000-8000-0000000000bb";
        string live = "deleted = 0 AND dev_id = '46f4:0001:BYHAND-0001'";
        try
        {
            await daemon.WaitForRowsAsync(live, 1);
            // A hot-plug brings no lifecycle event: libvirt's device-added event alone must tell usbpassd.
            await Lab.RunAsync(
                $"b=$(cat /sys/bus/usb/devices/{stick.PortId}/busnum); d=$(cat /sys/bus/usb/devices/{stick.PortId}/devnum); " +
                "echo \"<hostdev mode='subsystem' type='usb'><source><vendor id='0x46f4'/><product id='0x0001'/><address bus='$b' device='$d'/></source></hostdev>\" > /tmp/byhand.xml; " +
                "virsh -q attach-device l2-byhand /tmp/byhand.xml --live");
            await daemon.WaitForRowsAsync($"{live} AND status = 'external'", 1);
            ExecResult refused = await Lab.ExecAsync(daemon.Ctl($"reserve {stick.PortId} {other}"));
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("outside usbpassd", refused.Stderr);
            output.WriteLine($"while virsh holds it: {refused.Stderr.Trim()}");

            await Lab.RunAsync("virsh -q detach-device l2-byhand /tmp/byhand.xml --live");
            await daemon.WaitForRowsAsync($"{live} AND status = 'available'", 1);
            Assert.Contains("reserved", await Lab.RunAsync(daemon.Ctl($"reserve {stick.PortId} {other}")));
        }
        finally
        {
            await Lab.StopDomainAsync("l2-byhand");
            await daemon.StopAsync();
            await Lab.UnplugAllAsync(d => d.Id.StartsWith("byhand-", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Killed_with_sigkill_mid_attach_the_restarted_daemon_agrees_with_libvirt()
    {
        fx.Output = output;
        LabDaemon daemon = await LabDaemon.StartAsync(Lab, "kill", "--libvirt-uri qemu:///system");
        var stick = new UsbStorage("kill-stick", "7", Serial: "KILL-0001");
        await Lab.PlugAsync(stick);
        await Lab.StartDomainAsync("l2-kill");
        try
        {
            await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:KILL-0001'", 1);
            // The kill comes as soon as the claim is in the ledger: libvirt's attach (hundreds of
            // ms here) is then almost always still under way.
            string attach = daemon.Send(LabDaemon.Request(Methods.DevicesAttach, $$"""{"device":"{{stick.PortId}}","instance":"l2-kill"}"""));
            string claimed = $"sqlite3 {daemon.StateDirectory}/registry.db \"SELECT count(*) FROM assignments WHERE state IN ('attaching', 'attached')\" 2>/dev/null";
            await Lab.RunAsync($"{attach} >/dev/null 2>&1 & for i in $(seq 2000); do [ \"$({claimed})\" = 1 ] && break; sleep 0.005; done; pkill -KILL -f -- '--state-dir {daemon.StateDirectory}'; wait");
            Assert.Contains("claim_attaching", await daemon.HistoryKindsAsync("46f4:0001:KILL-0001"));

            await daemon.RestartAsync("--libvirt-uri qemu:///system");
            await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:KILL-0001' AND status IN ('attached', 'reserved')", 1);
            bool inLibvirt = (await Lab.RunAsync("virsh dumpxml l2-kill")).Contains("ua-usbpassd-", StringComparison.Ordinal);
            // Should libvirtd finish the attach only now, its device-added event brings the ledger along.
            string status = inLibvirt ? "attached" : "reserved";
            await daemon.WaitForRowsAsync($"deleted = 0 AND dev_id = '46f4:0001:KILL-0001' AND status = '{status}'", 1);
            output.WriteLine($"SIGKILL mid-attach: libvirt {(inLibvirt ? "had" : "had not")} attached; the restarted daemon says {status}");

            // Either way the operator can carry on.
            if (!inLibvirt)
            {
                await Lab.RunAsync(daemon.Ctl($"attach {stick.PortId} l2-kill"));
            }

            await Lab.RunAsync(daemon.Ctl($"detach {stick.PortId} l2-kill"));
            Assert.Contains("available", await Lab.RunAsync(daemon.Ctl($"show {stick.PortId}")));
        }
        finally
        {
            await Lab.StopDomainAsync("l2-kill");
            await daemon.StopAsync();
            await Lab.UnplugAllAsync(d => d.Id.StartsWith("kill-", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_full_guest_controller_is_refused_clearly_and_a_shut_off_guest_gets_the_asked_controller()
    {
        fx.Output = output;
        LabDaemon daemon = await LabDaemon.StartAsync(Lab, "ports", "--libvirt-uri qemu:///system");
        var reader = new UsbCcid("ports-reader", "8", Serial: "PORTS-0001");
        await Lab.PlugAsync(reader);
        // piix3-uhci has two ports; a tablet and a keyboard take both.
        await Lab.DefineDomainAsync("l2-ports", "<controller type='usb' index='0' model='piix3-uhci'/><input type='tablet' bus='usb'/><input type='keyboard' bus='usb'/>");
        await Lab.RunAsync("virsh -q start --paused l2-ports");
        try
        {
            await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '08e6:4433:PORTS-0001'", 1);
            ExecResult full = await Lab.ExecAsync(daemon.Ctl($"attach {reader.PortId} l2-ports"));
            Assert.NotEqual(0, full.ExitCode);
            Assert.Contains("no free USB port in domain l2-ports: piix3-uhci (bus 0) has 2 of 2 ports taken", full.Stderr);
            output.WriteLine($"full controller: {full.Stderr.Trim()}");

            ExecResult noXhci = await Lab.ExecAsync(daemon.Ctl($"attach {reader.PortId} l2-ports --controller xhci"));
            Assert.Contains("has no xhci controller and a running VM cannot get one", noXhci.Stderr);
            Assert.Contains("available", await Lab.RunAsync(daemon.Ctl($"show {reader.PortId}")));

            await Lab.RunAsync("virsh -q destroy l2-ports");
            await Lab.RunAsync(daemon.Ctl($"attach {reader.PortId} l2-ports --controller xhci"));
            Assert.Contains("model='qemu-xhci' ports='15'", await Lab.RunAsync("virsh dumpxml --inactive l2-ports"));
            await Lab.RunAsync("virsh -q start --paused l2-ports");
            Assert.Contains("QEMU USB CCID", await Lab.GuestUsbAsync("l2-ports"));
        }
        finally
        {
            await Lab.StopDomainAsync("l2-ports");
            await daemon.StopAsync();
            await Lab.UnplugAllAsync(d => d.Id.StartsWith("ports-", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_swap_replaces_one_device_with_another_in_the_running_guest()
    {
        fx.Output = output;
        LabDaemon daemon = await LabDaemon.StartAsync(Lab, "swap", "--libvirt-uri qemu:///system");
        var a = new UsbStorage("swap-a", "4", Serial: "SWAP-A");
        var b = new UsbCcid("swap-b", "5", Serial: "SWAP-B");
        await Lab.PlugAsync(a);
        await Lab.PlugAsync(b);
        await Lab.StartDomainAsync("l2-swap");
        try
        {
            await daemon.WaitForRowsAsync("deleted = 0 AND dev_id IN ('46f4:0001:SWAP-A', '08e6:4433:SWAP-B')", 2);
            await Lab.RunAsync(daemon.Ctl($"attach {a.PortId} l2-swap"));
            Assert.Contains("QEMU USB HARDDRIVE", await Lab.GuestUsbAsync("l2-swap"));

            string swapped = await Lab.RunAsync(daemon.Ctl($"swap l2-swap {a.PortId} {b.PortId}"));
            Assert.Contains("attached", swapped);
            string usb = await Lab.GuestUsbAsync("l2-swap");
            Assert.Contains("QEMU USB CCID", usb);
            Assert.DoesNotContain("QEMU USB HARDDRIVE", usb);
            Assert.Contains("available", await Lab.RunAsync(daemon.Ctl($"show {a.PortId}")));
            string definition = await Lab.RunAsync("virsh dumpxml --inactive l2-swap");
            Assert.Single(definition.Split("ua-usbpassd-").Skip(1)); // only B's hostdev in the next boot's definition
        }
        finally
        {
            await Lab.StopDomainAsync("l2-swap");
            await daemon.StopAsync();
            await Lab.UnplugAllAsync(d => d.Id.StartsWith("swap-", StringComparison.Ordinal));
        }
    }
}
