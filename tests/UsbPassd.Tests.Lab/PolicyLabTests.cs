using UsbPassd.Testing.Lab;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Lab;

/// <summary>Host safety and the operator's policy on real devices: a mounted disk, a hub, a policy reloaded under a running VM.</summary>
[Collection(LabGroup.Name)]
public sealed class PolicyLabTests(LabFixture fx, ITestOutputHelper output)
{
    [Fact]
    public Task A_stick_mounted_on_the_host_and_a_hub_are_refused_and_the_stick_passes_once_unmounted() => LabScenario.RunAsync(fx, output, "mount", async lab =>
    {
        LabDaemon daemon = await lab.StartDaemonAsync();
        UsbStorage stick = await lab.PlugAsync(new UsbStorage("mount-stick", "4", Serial: "MOUNTED-0001"));

        const string instance = "6f1c0a3e-0000-4000-8000-0000000000aa";
        await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:MOUNTED-0001'", 1);
        string disk = (await lab.RunAsync($"basename /sys/bus/usb/devices/{stick.PortId}/{stick.PortId}:1.0/host*/target*/*/block/*")).Trim();
        lab.Finally("unmount /mnt/lab-data", () => lab.RunAsync("umount /mnt/lab-data 2>/dev/null; true"));
        await lab.RunAsync($"modprobe ext4; mkfs.ext4 -q -F /dev/{disk} && mkdir -p /mnt/lab-data && mount /dev/{disk} /mnt/lab-data");

        ExecResult check = await lab.ExecAsync(daemon.Ctl($"policy check {stick.PortId}"));
        Assert.Equal(1, check.ExitCode);
        Assert.Contains($"{disk} is mounted on /mnt/lab-data", check.Stdout);
        output.WriteLine($"mounted: {check.Stdout.Trim()}");

        ExecResult reserve = await lab.ExecAsync(daemon.Ctl($"reserve {stick.PortId} {instance}"));
        Assert.NotEqual(0, reserve.ExitCode);
        Assert.Contains("mounted-storage", reserve.Stderr);

        ExecResult hub = await lab.ExecAsync(daemon.Ctl($"reserve {LabFixture.Hub.PortId} {instance}"));
        Assert.NotEqual(0, hub.ExitCode);
        Assert.Contains("is a hub", hub.Stderr);
        output.WriteLine($"hub: {hub.Stderr.Trim()}");

        await lab.RunAsync("umount /mnt/lab-data");
        Assert.Contains("ALLOWED", await lab.RunAsync(daemon.Ctl($"policy check {stick.PortId}")));
        Assert.Contains("reserved", await lab.RunAsync(daemon.Ctl($"reserve {stick.PortId} {instance}")));

        string history = await lab.RunAsync(daemon.Ctl($"history --instance {instance}"));
        Assert.Contains("refused", history);
        Assert.Contains("claim_reserved", history);
        output.WriteLine(history);
    });

    [Fact]
    public Task A_policy_reloaded_while_a_device_is_attached_reports_it_and_leaves_it_in_the_vm() => LabScenario.RunAsync(fx, output, "reload", async lab =>
    {
        string rules = Path.Combine(lab.ShareDirectory, "reload.rules");
        await File.WriteAllTextAsync(rules, "# nothing blocked yet\n");
        LabDaemon daemon = await lab.StartDaemonAsync($"{LabDaemon.WithLibvirt} --policy-file {rules}");
        UsbCcid reader = await lab.PlugAsync(new UsbCcid("reload-reader", "5", Serial: "RELOAD-0001"));
        await lab.StartDomainAsync("l2-reload");

        await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '08e6:4433:RELOAD-0001'", 1);
        await lab.RunAsync(daemon.Ctl($"attach {reader.PortId} l2-reload"));

        await File.WriteAllTextAsync(rules, "block with-interface 0b:*:* label \"smartcards stay on the host\"\n");
        await daemon.SignalAsync("HUP");
        await daemon.WaitForLogAsync("but the policy now refuses it");

        Assert.Contains("QEMU USB CCID", await lab.GuestUsbAsync("l2-reload"));
        await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '08e6:4433:RELOAD-0001' AND status = 'attached' AND eligible = 0", 1);
        string check = (await lab.ExecAsync(daemon.Ctl($"policy check {reader.PortId}"))).Stdout;
        Assert.Contains("smartcards stay on the host", check);

        string reload = await lab.RunAsync(daemon.Ctl("policy reload"));
        Assert.Contains($"{reader.PortId} is attached to", reload);
        Assert.Contains($"usbpassctl detach {reader.PortId}", reload);
        output.WriteLine(reload);
    });
}
