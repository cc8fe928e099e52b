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
    private static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement.Clone();

    [Fact]
    public Task Two_instances_racing_for_one_device_one_wins_and_only_its_domain_gets_it() => LabScenario.RunAsync(fx, output, "race", async lab =>
    {
        LabDaemon daemon = await lab.StartDaemonAsync(LabDaemon.WithLibvirt);
        lab.ShowLogAtEnd(daemon);
        UsbStorage stick = await lab.PlugAsync(new UsbStorage("race-stick", "4", Serial: "RACE-0001"));
        await lab.StartDomainAsync("l2-race-a");
        await lab.DefineDomainAsync("l2-race-b");

        await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:RACE-0001'", 1);
        string a = daemon.Send(LabDaemon.Request(Methods.DevicesAttach, $$"""{"device":"{{stick.PortId}}","instance":"l2-race-a"}"""));
        string b = daemon.Send(LabDaemon.Request(Methods.DevicesAttach, $$"""{"device":"{{stick.PortId}}","instance":"l2-race-b"}"""));
        string[] replies = (await lab.RunAsync($"{a} > /tmp/race-a.json & {b} > /tmp/race-b.json & wait; cat /tmp/race-a.json /tmp/race-b.json"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);

        JsonElement[] r = [.. replies.Select(Json)];
        JsonElement winner = Assert.Single(r, x => x.TryGetProperty("result", out _)).GetProperty("result");
        JsonElement loser = Assert.Single(r, x => x.TryGetProperty("error", out _)).GetProperty("error");
        Assert.True(loser.GetProperty("code").GetInt32() == ErrorCodes.DeviceOwned, $"the loser was told {loser}, not that the device is owned");
        string owner = winner.GetProperty("instance_uuid").GetString()!;
        Assert.Contains(owner, loser.GetProperty("message").GetString());

        string alias = winner.GetProperty("alias").GetString()!;
        string ownerName = (await lab.RunAsync($"virsh domname {owner}")).Trim();
        string otherName = ownerName == "l2-race-a" ? "l2-race-b" : "l2-race-a";
        Assert.Contains(alias, await lab.RunAsync($"virsh dumpxml --inactive {ownerName}"));
        Assert.DoesNotContain(alias, await lab.RunAsync($"virsh dumpxml --inactive {otherName}"));
        output.WriteLine($"race: {ownerName} won; the other was told: {loser.GetProperty("message").GetString()}");
    });

    [Fact]
    public Task Libvirtd_restarting_while_the_device_is_replugged_is_caught_up_when_it_is_back() => LabScenario.RunAsync(fx, output, "restart", async lab =>
    {
        LabDaemon daemon = await lab.StartDaemonAsync(LabDaemon.WithLibvirt);
        lab.ShowLogAtEnd(daemon);
        UsbStorage stick = await lab.PlugAsync(new UsbStorage("restart-stick", "5", Serial: "RESTART-0001"));
        await lab.StartDomainAsync("l2-restart");

        await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:RESTART-0001'", 1);
        await lab.RunAsync(daemon.Ctl($"attach {stick.PortId} l2-restart"));

        // Should the test end before it starts libvirtd again, the clean-up does (undefining the domain needs it).
        lab.Finally("libvirtd running again", () => lab.RunAsync("pgrep -x libvirtd >/dev/null || libvirtd -d; for i in $(seq 100); do virsh -q list >/dev/null 2>&1 && break; sleep 0.1; done"));
        await lab.RunAsync("pkill -x libvirtd; while pgrep -x libvirtd >/dev/null; do sleep 0.05; done");
        await daemon.WaitForLogAsync("libvirtd closed the connection");
        ExecResult refused = await lab.ExecAsync(daemon.Ctl($"detach {stick.PortId} l2-restart"));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("is not connected to libvirtd", refused.Stderr + refused.Stdout);

        await lab.UnplugAsync(stick);
        await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:RESTART-0001' AND status = 'missing'", 1);
        var back = stick with { Port = "6" };
        await lab.PlugAsync(back);
        await daemon.WaitForRowsAsync($"deleted = 0 AND dev_id = '46f4:0001:RESTART-0001' AND port_id = '{back.PortId}'", 1);

        await lab.RunAsync("libvirtd -d");
        await daemon.WaitForLogAsync("re-attached (missed while libvirt was unreachable)");
        await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:RESTART-0001' AND status = 'attached'", 1);
        Assert.Contains("QEMU USB HARDDRIVE", await lab.GuestUsbAsync("l2-restart"));
    });

    [Fact]
    public Task A_device_passed_by_hand_with_virsh_to_a_running_vm_is_held_as_external_until_virsh_takes_it_out() => LabScenario.RunAsync(fx, output, "byhand", async lab =>
    {
        LabDaemon daemon = await lab.StartDaemonAsync(LabDaemon.WithLibvirt);
        UsbStorage stick = await lab.PlugAsync(new UsbStorage("byhand-stick", "6", Serial: "BYHAND-0001"));
        await lab.StartDomainAsync("l2-byhand");
        const string other = "6f1c0a3e-0000-4000-8000-0000000000bb";
        string live = "deleted = 0 AND dev_id = '46f4:0001:BYHAND-0001'";

        await daemon.WaitForRowsAsync(live, 1);
        // A hot-plug brings no lifecycle event: libvirt's device-added event alone must tell usbpassd.
        await lab.RunAsync(
            $"b=$(cat /sys/bus/usb/devices/{stick.PortId}/busnum); d=$(cat /sys/bus/usb/devices/{stick.PortId}/devnum); " +
            "echo \"<hostdev mode='subsystem' type='usb'><source><vendor id='0x46f4'/><product id='0x0001'/><address bus='$b' device='$d'/></source></hostdev>\" > /tmp/byhand.xml; " +
            "virsh -q attach-device l2-byhand /tmp/byhand.xml --live");
        await daemon.WaitForRowsAsync($"{live} AND status = 'external'", 1);
        ExecResult refused = await lab.ExecAsync(daemon.Ctl($"reserve {stick.PortId} {other}"));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("outside usbpassd", refused.Stderr);
        output.WriteLine($"while virsh holds it: {refused.Stderr.Trim()}");

        await lab.RunAsync("virsh -q detach-device l2-byhand /tmp/byhand.xml --live");
        await daemon.WaitForRowsAsync($"{live} AND status = 'available'", 1);
        Assert.Contains("reserved", await lab.RunAsync(daemon.Ctl($"reserve {stick.PortId} {other}")));
    });

    [Fact]
    public Task Killed_with_sigkill_mid_attach_the_restarted_daemon_agrees_with_libvirt() => LabScenario.RunAsync(fx, output, "kill", async lab =>
    {
        LabDaemon daemon = await lab.StartDaemonAsync(LabDaemon.WithLibvirt);
        UsbStorage stick = await lab.PlugAsync(new UsbStorage("kill-stick", "7", Serial: "KILL-0001"));
        await lab.StartDomainAsync("l2-kill");

        await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:KILL-0001'", 1);
        // The kill comes as soon as the claim is in the ledger: libvirt's attach (hundreds of
        // ms here) is then almost always still under way.
        string attach = daemon.Send(LabDaemon.Request(Methods.DevicesAttach, $$"""{"device":"{{stick.PortId}}","instance":"l2-kill"}"""));
        string claimed = $"sqlite3 {daemon.StateDirectory}/registry.db \"SELECT count(*) FROM assignments WHERE state IN ('attaching', 'attached')\" 2>/dev/null";
        await lab.RunAsync($"{attach} >/dev/null 2>&1 & for i in $(seq 2000); do [ \"$({claimed})\" = 1 ] && break; sleep 0.005; done; pkill -KILL -f -- '--state-dir {daemon.StateDirectory}'; wait");
        Assert.Contains("claim_attaching", await daemon.HistoryKindsAsync("46f4:0001:KILL-0001"));

        await daemon.RestartAsync(LabDaemon.WithLibvirt);
        await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:KILL-0001' AND status IN ('attached', 'reserved')", 1);
        bool inLibvirt = (await lab.RunAsync("virsh dumpxml l2-kill")).Contains("<alias name='ua-usbpassd-", StringComparison.Ordinal);
        // Should libvirtd finish the attach only now, its device-added event brings the ledger along.
        string status = inLibvirt ? "attached" : "reserved";
        await daemon.WaitForRowsAsync($"deleted = 0 AND dev_id = '46f4:0001:KILL-0001' AND status = '{status}'", 1);
        output.WriteLine($"SIGKILL mid-attach: libvirt {(inLibvirt ? "had" : "had not")} attached; the restarted daemon says {status}");

        // Either way the operator can carry on.
        if (!inLibvirt)
        {
            await lab.RunAsync(daemon.Ctl($"attach {stick.PortId} l2-kill"));
        }

        await lab.RunAsync(daemon.Ctl($"detach {stick.PortId} l2-kill"));
        Assert.Contains("available", await lab.RunAsync(daemon.Ctl($"show {stick.PortId}")));
    });

    [Fact]
    public Task A_full_guest_controller_is_refused_clearly_and_a_shut_off_guest_gets_the_asked_controller() => LabScenario.RunAsync(fx, output, "ports", async lab =>
    {
        LabDaemon daemon = await lab.StartDaemonAsync(LabDaemon.WithLibvirt);
        UsbCcid reader = await lab.PlugAsync(new UsbCcid("ports-reader", "8", Serial: "PORTS-0001"));

        // piix3-uhci has two ports; a tablet and a keyboard take both.
        await lab.StartDomainAsync("l2-ports", "<controller type='usb' index='0' model='piix3-uhci'/><input type='tablet' bus='usb'/><input type='keyboard' bus='usb'/>");

        await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '08e6:4433:PORTS-0001'", 1);
        ExecResult full = await lab.ExecAsync(daemon.Ctl($"attach {reader.PortId} l2-ports"));
        Assert.NotEqual(0, full.ExitCode);
        Assert.Contains("no free USB port in domain l2-ports: piix3-uhci (bus 0) has 2 of 2 ports taken", full.Stderr);
        output.WriteLine($"full controller: {full.Stderr.Trim()}");

        ExecResult noXhci = await lab.ExecAsync(daemon.Ctl($"attach {reader.PortId} l2-ports --controller xhci"));
        Assert.Contains("has no xhci controller and a running VM cannot get one", noXhci.Stderr);
        Assert.Contains("available", await lab.RunAsync(daemon.Ctl($"show {reader.PortId}")));

        await lab.RunAsync("virsh -q destroy l2-ports");
        await lab.RunAsync(daemon.Ctl($"attach {reader.PortId} l2-ports --controller xhci"));
        Assert.Contains("model='qemu-xhci' ports='15'", await lab.RunAsync("virsh dumpxml --inactive l2-ports"));
        await lab.RunAsync("virsh -q start --paused l2-ports");
        Assert.Contains("QEMU USB CCID", await lab.GuestUsbAsync("l2-ports"));
    });

    [Fact]
    public Task A_swap_replaces_one_device_with_another_in_the_running_guest() => LabScenario.RunAsync(fx, output, "swap", async lab =>
    {
        LabDaemon daemon = await lab.StartDaemonAsync(LabDaemon.WithLibvirt);
        UsbStorage a = await lab.PlugAsync(new UsbStorage("swap-a", "4", Serial: "SWAP-A"));
        UsbCcid b = await lab.PlugAsync(new UsbCcid("swap-b", "5", Serial: "SWAP-B"));
        await lab.StartDomainAsync("l2-swap");

        await daemon.WaitForRowsAsync("deleted = 0 AND dev_id IN ('46f4:0001:SWAP-A', '08e6:4433:SWAP-B')", 2);
        await lab.RunAsync(daemon.Ctl($"attach {a.PortId} l2-swap"));
        Assert.Contains("QEMU USB HARDDRIVE", await lab.GuestUsbAsync("l2-swap"));

        string swapped = await lab.RunAsync(daemon.Ctl($"swap l2-swap {a.PortId} {b.PortId}"));
        Assert.Contains("attached", swapped);
        string usb = await lab.GuestUsbAsync("l2-swap");
        Assert.Contains("QEMU USB CCID", usb);
        Assert.DoesNotContain("QEMU USB HARDDRIVE", usb);
        Assert.Contains("available", await lab.RunAsync(daemon.Ctl($"show {a.PortId}")));
        string definition = await lab.RunAsync("virsh dumpxml --inactive l2-swap");
        Assert.Single(definition.Split("<alias name='ua-usbpassd-").Skip(1)); // only B's hostdev in the next boot's definition
    });
}
