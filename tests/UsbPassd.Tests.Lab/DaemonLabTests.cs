using System.Globalization;
using System.Text.Json;
using UsbPassd.Testing.Lab;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Lab;

/// <summary>usbpassd inside the lab host, following real hotplug over netlink into its registry.</summary>
[Collection(LabGroup.Name)]
public sealed class DaemonLabTests(LabFixture fx, ITestOutputHelper output)
{
    private static string Live(string devId) => $"deleted = 0 AND dev_id = '{devId}'";

    [Fact]
    public Task Follows_plug_unplug_and_replug_into_another_port() => LabScenario.RunAsync(fx, output, "follow", async lab =>
    {
        LabDaemon daemon = await lab.StartDaemonAsync();

        // The boot devices are registered by the start-up scan.
        List<JsonElement> atStart = await daemon.LiveRowsAsync();
        Assert.Contains(atStart, r => r.GetProperty("dev_id").GetString() == "46f4:0001:KEY-0001");

        var stick = new UsbStorage("daemon-stick", "4", Serial: "DAEMON-0001");
        await lab.PlugAsync(stick);
        JsonElement added = Assert.Single(await daemon.WaitForRowsAsync(Live("46f4:0001:DAEMON-0001"), 1));
        Assert.Equal((stick.PortId, "available"), (added.GetProperty("port_id").GetString(), added.GetProperty("status").GetString()));

        await lab.UnplugAsync(stick);
        await daemon.WaitForRowsAsync(Live("46f4:0001:DAEMON-0001"), 0);

        var moved = stick with { Port = "3", Controller = LabController.Ehci };
        await lab.PlugAsync(moved);
        JsonElement back = Assert.Single(await daemon.WaitForRowsAsync(Live("46f4:0001:DAEMON-0001"), 1));
        Assert.Equal(moved.PortId, back.GetProperty("port_id").GetString());
        Assert.Equal(added.GetProperty("id").GetInt64(), back.GetProperty("previous_id").GetInt64());
        Assert.NotEqual(added.GetProperty("address").GetString(), back.GetProperty("address").GetString());
        await lab.UnplugAsync(moved);
        await daemon.WaitForRowsAsync(Live("46f4:0001:DAEMON-0001"), 0);

        Report(daemon);
    });

    [Fact]
    public Task A_burst_of_hotplugs_loses_nothing() => LabScenario.RunAsync(fx, output, "burst", async lab =>
    {
        LabDaemon daemon = await lab.StartDaemonAsync();

        // Sticks on free xHCI ports, keyboards on free EHCI ports (EHCI has 6, port 1 is taken at boot).
        LabDevice[] devices = [.. Enumerable.Range(0, 6).Select(i => (LabDevice)(i % 2 == 0
            ? new UsbStorage($"burst-{i}", $"{5 + (i / 2)}", Serial: $"BURST-{i}")
            : new UsbKeyboard($"burst-{i}", $"{4 + (i / 2)}", LabController.Ehci, Serial: $"BURSTKBD-{i}")))];
        foreach (LabDevice d in devices)
        {
            await lab.PlugAsync(d, waitForUdev: false); // back to back: the daemon sees a burst
        }

        await daemon.WaitForRowsAsync("deleted = 0 AND dev_id LIKE '%:BURST%'", devices.Length);
        foreach (LabDevice d in devices.Take(3))
        {
            await lab.UnplugAsync(d);
        }

        List<JsonElement> left = await daemon.WaitForRowsAsync("deleted = 0 AND dev_id LIKE '%:BURST%'", 3);
        Assert.Equal(devices.Skip(3).Select(d => d.PortId).Order(), left.Select(r => r.GetProperty("port_id").GetString()).Order());
        foreach (LabDevice d in devices.Skip(3))
        {
            await lab.UnplugAsync(d);
        }

        await daemon.WaitForRowsAsync("deleted = 0 AND dev_id LIKE '%:BURST%'", 0);
        Assert.DoesNotContain("uevents were lost", daemon.Log);
        Report(daemon);
    });

    [Fact]
    public Task Subscribers_and_usbpassctl_see_real_hotplug_over_the_socket() => LabScenario.RunAsync(fx, output, "rpc", async lab =>
    {
        LabDaemon daemon = await lab.StartDaemonAsync();

        string watchLog = Path.Combine(lab.ShareDirectory, "watch.jsonl");
        lab.Finally("stop usbpassctl watch", () => lab.ExecAsync("pkill -f 'usbpassctl watch'"));
        await lab.RunAsync($"setsid -f {daemon.Ctl("watch --json")} > {watchLog} 2>&1 < /dev/null");
        await lab.RunAsync($"{LabHost.ScriptDirectory}/wait-until.sh 60 {lab.ShareDirectory} -- test -s {watchLog}"); // subscribed

        var stick = new UsbStorage("rpc-stick", "4", Serial: "RPC-0001");
        await lab.PlugAsync(stick);
        await lab.RunAsync($"{LabHost.ScriptDirectory}/wait-until.sh 60 {lab.ShareDirectory} -- grep -q 'device.added.*46f4:0001:RPC-0001' {watchLog}");
        string list = await lab.RunAsync(daemon.Ctl("list --vendor-id 46f4"));
        Assert.Contains("RPC-0001", list);
        Assert.Contains(stick.PortId, list);

        await lab.UnplugAsync(stick);
        await lab.RunAsync($"{LabHost.ScriptDirectory}/wait-until.sh 60 {lab.ShareDirectory} -- grep -q 'device.removed.*46f4:0001:RPC-0001' {watchLog}");
        ExecResult show = await lab.ExecAsync(daemon.Ctl($"show {stick.PortId}"));
        Assert.Equal(1, show.ExitCode);
        Assert.Contains($"no device with port_id {stick.PortId}", show.Stderr);
    });

    [Fact]
    public Task Lost_events_are_answered_with_a_full_rescan() => LabScenario.RunAsync(fx, output, "overflow", async lab =>
    {
        // Stopping the daemon at the end sends SIGCONT first: a failure while it is frozen leaves no stopped process.
        LabDaemon daemon = await lab.StartDaemonAsync("--uevent-buffer 8192");

        // Frozen, the daemon cannot read: udev's re-broadcast of every device overflows its 8 KiB buffer.
        await daemon.SignalAsync("STOP");
        await lab.RunAsync("udevadm trigger --action=change && udevadm settle -t 60");
        await daemon.SignalAsync("CONT");

        try
        {
            await daemon.WaitForLogAsync("uevents were lost");
            await daemon.WaitForLogAsync("rescan done");
        }
        catch (LabException)
        {
            output.WriteLine(daemon.Log);
            throw;
        }

        Assert.Single(await daemon.LiveRowsAsync(), r => r.GetProperty("dev_id").GetString() == "46f4:0001:KEY-0001");
    });

    [Fact]
    public Task A_forged_uevent_from_another_process_is_refused() => LabScenario.RunAsync(fx, output, "forged", async lab =>
    {
        LabDaemon daemon = await lab.StartDaemonAsync();

        string port = daemon.Log.Split("netlink udev group, port ")[1].Split(['\n', '\r', ' '])[0];
        string devPath = (await lab.RunAsync($"readlink -f /sys/bus/usb/devices/{LabFixture.Key.PortId}")).Trim()["/sys".Length..];
        string send =
            $"import socket; s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 15); s.bind((0, 0)); " +
            $"s.sendto(b'remove@{devPath}\\0ACTION=remove\\0DEVPATH={devPath}\\0SUBSYSTEM=usb\\0DEVTYPE=usb_device\\0SEQNUM=999999\\0', ({port}, 0))";

        // An unprivileged user cannot even send on this netlink family: the kernel says EPERM.
        ExecResult nobody = await lab.ExecAsync($"setpriv --reuid=65534 --regid=65534 --clear-groups python3 -c \"{send}\"");
        Assert.NotEqual(0, nobody.ExitCode);
        Assert.Contains("Operation not permitted", nobody.Stderr);

        // Root, but not udevd: the message arrives, and usbpassd drops it before parsing.
        await lab.RunAsync($"python3 -c \"{send}\"");
        await daemon.WaitForLogAsync("is not udevd");

        Assert.Single(await daemon.LiveRowsAsync(), r => r.GetProperty("dev_id").GetString() == "46f4:0001:KEY-0001");
    });

    [Fact]
    public Task Without_udevd_the_kernel_group_is_followed() => LabScenario.RunAsync(fx, output, "kernel", async lab =>
    {
        // Ask udevd to exit; a worker stuck on a disk that an earlier test gave to a guest can hold
        // it up, so escalate to SIGKILL (this test is about udevd being absent, not how it stops).
        await lab.RunAsync(
            "udevadm control --exit; for i in $(seq 50); do pgrep -x systemd-udevd >/dev/null || exit 0; sleep 0.1; done; " +
            "pkill -KILL -x systemd-udevd; for i in $(seq 50); do pgrep -x systemd-udevd >/dev/null || exit 0; sleep 0.1; done; exit 1");
        lab.Finally("start udevd again", () => lab.RunAsync("/lib/systemd/systemd-udevd --daemon && udevadm settle -t 30"));
        LabDaemon daemon = await lab.StartDaemonAsync();

        Assert.Contains("netlink kernel group", daemon.Log);

        var kbd = new UsbKeyboard("kernel-kbd", "8", Serial: "NOUDEV-1");
        await lab.PlugAsync(kbd, waitForUdev: false);
        await daemon.WaitForRowsAsync(Live("0627:0001:NOUDEV-1"), 1);
        await lab.PullAsync(kbd); // no udevd to wait for
        await daemon.WaitForRowsAsync(Live("0627:0001:NOUDEV-1"), 0);
    });

    private void Report(LabDaemon daemon)
    {
        IReadOnlyList<double> ms = daemon.CommitLatenciesMs();
        if (ms.Count > 0)
        {
            double[] sorted = [.. ms.Order()];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"lab (TCG): udev event received → registry committed, {ms.Count} batches: p50 {sorted[sorted.Length / 2]:0.0} ms, max {sorted[^1]:0.0} ms"));
        }
    }
}
