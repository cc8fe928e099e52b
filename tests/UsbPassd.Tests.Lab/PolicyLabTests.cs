using UsbPassd.Testing.Lab;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Lab;

/// <summary>Host safety and the operator's policy on real devices: a mounted disk, a hub, a policy reloaded under a running VM.</summary>
[Collection(LabGroup.Name)]
public sealed class PolicyLabTests(LabFixture fx, ITestOutputHelper output)
{
    private LabHost Lab => fx.Lab;

    [Fact]
    public async Task A_stick_mounted_on_the_host_and_a_hub_are_refused_and_the_stick_passes_once_unmounted()
    {
        fx.Output = output;
        LabDaemon daemon = await LabDaemon.StartAsync(Lab, "mount");
        var stick = new UsbStorage("mount-stick", "4", Serial: "MOUNTED-0001");
        await Lab.PlugAsync(stick);
        const string instance = "6f1c0a3e-0000-4000-8000-0000000000aa";
        try
        {
            await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:MOUNTED-0001'", 1);
            string disk = (await Lab.RunAsync($"basename /sys/bus/usb/devices/{stick.PortId}/{stick.PortId}:1.0/host*/target*/*/block/*")).Trim();
            await Lab.RunAsync($"modprobe ext4; mkfs.ext4 -q -F /dev/{disk} && mkdir -p /mnt/lab-data && mount /dev/{disk} /mnt/lab-data");

            ExecResult check = await Lab.ExecAsync(daemon.Ctl($"policy check {stick.PortId}"));
            Assert.Equal(1, check.ExitCode);
            Assert.Contains($"{disk} is mounted on /mnt/lab-data", check.Stdout);
            output.WriteLine($"mounted: {check.Stdout.Trim()}");

            ExecResult reserve = await Lab.ExecAsync(daemon.Ctl($"reserve {stick.PortId} {instance}"));
            Assert.NotEqual(0, reserve.ExitCode);
            Assert.Contains("mounted-storage", reserve.Stderr);

            ExecResult hub = await Lab.ExecAsync(daemon.Ctl($"reserve {LabFixture.Hub.PortId} {instance}"));
            Assert.NotEqual(0, hub.ExitCode);
            Assert.Contains("is a hub", hub.Stderr);
            output.WriteLine($"hub: {hub.Stderr.Trim()}");

            await Lab.RunAsync("umount /mnt/lab-data");
            Assert.Contains("ALLOWED", await Lab.RunAsync(daemon.Ctl($"policy check {stick.PortId}")));
            Assert.Contains("reserved", await Lab.RunAsync(daemon.Ctl($"reserve {stick.PortId} {instance}")));

            string history = await Lab.RunAsync(daemon.Ctl($"history --instance {instance}"));
            Assert.Contains("refused", history);
            Assert.Contains("claim_reserved", history);
            output.WriteLine(history);
        }
        finally
        {
            await Lab.RunAsync("umount /mnt/lab-data 2>/dev/null; true");
            await daemon.StopAsync();
            await Lab.UnplugAllAsync(d => d.Id.StartsWith("mount-", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_policy_reloaded_while_a_device_is_attached_reports_it_and_leaves_it_in_the_vm()
    {
        fx.Output = output;
        string rules = Path.Combine(Lab.ShareDirectory, "reload.rules");
        await File.WriteAllTextAsync(rules, "# nothing blocked yet\n");
        LabDaemon daemon = await LabDaemon.StartAsync(Lab, "reload", $"--libvirt-uri qemu:///system --policy-file {rules}");
        var reader = new UsbCcid("reload-reader", "5", Serial: "RELOAD-0001");
        await Lab.PlugAsync(reader);
        await Lab.StartDomainAsync("l2-reload");
        try
        {
            await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '08e6:4433:RELOAD-0001'", 1);
            await Lab.RunAsync(daemon.Ctl($"attach {reader.PortId} l2-reload"));

            await File.WriteAllTextAsync(rules, "block with-interface 0b:*:* label \"smartcards stay on the host\"\n");
            await daemon.SignalAsync("HUP");
            await daemon.WaitForLogAsync("but the policy now refuses it");

            Assert.Contains("QEMU USB CCID", await Lab.GuestUsbAsync("l2-reload"));
            await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '08e6:4433:RELOAD-0001' AND status = 'attached' AND eligible = 0", 1);
            string check = (await Lab.ExecAsync(daemon.Ctl($"policy check {reader.PortId}"))).Stdout;
            Assert.Contains("smartcards stay on the host", check);

            string reload = await Lab.RunAsync(daemon.Ctl("policy reload"));
            Assert.Contains($"{reader.PortId} is attached to", reload);
            Assert.Contains($"usbpassctl detach {reader.PortId}", reload);
            output.WriteLine(reload);
        }
        finally
        {
            await Lab.StopDomainAsync("l2-reload");
            await daemon.StopAsync();
            await Lab.UnplugAllAsync(d => d.Id.StartsWith("reload-", StringComparison.Ordinal));
        }
    }
}
