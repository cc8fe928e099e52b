using UsbPassd.Testing;
using UsbPassd.Testing.Lab;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Lab;

/// <summary>The libvirt hook (packaging/libvirt/usbpassd) as libvirtd runs it: the start gate in front of a real VM start.</summary>
[Collection(LabGroup.Name)]
public sealed class HookLabTests(LabFixture fx, ITestOutputHelper output)
{
    private static string Hook => Path.Combine(Corpus.RepositoryRoot, "packaging", "libvirt", "usbpassd");

    // libvirtd looks for hook scripts only when it starts.
    private static Task<string> RestartLibvirtdAsync(LabScenario lab) =>
        lab.RunAsync("pkill -x libvirtd; while pgrep -x libvirtd >/dev/null; do sleep 0.05; done; libvirtd -d; for i in $(seq 200); do virsh -q list >/dev/null 2>&1 && break; sleep 0.1; done");

    [Fact]
    public Task The_hook_refuses_a_start_whose_mandatory_device_is_unplugged_and_lets_it_start_when_usbpassd_is_down() => LabScenario.RunAsync(fx, output, "hook", async lab =>
    {
        LabDaemon daemon = await lab.StartDaemonAsync(LabDaemon.WithLibvirt);
        UsbStorage stick = await lab.PlugAsync(new UsbStorage("hook-stick", "6", Serial: "HOOK-0001"));
        lab.Finally("remove the hook", async () =>
        {
            await lab.RunAsync("rm -f /etc/libvirt/hooks/qemu.d/usbpassd /etc/usbpassd/hook.conf");
            await RestartLibvirtdAsync(lab);
        });
        await lab.RunAsync($"mkdir -p /etc/libvirt/hooks/qemu.d /etc/usbpassd && install -m 755 {Hook} /etc/libvirt/hooks/qemu.d/usbpassd && printf 'socket={daemon.Socket}\\n' > /etc/usbpassd/hook.conf");
        await RestartLibvirtdAsync(lab);
        await lab.DefineDomainAsync("l2-hook");

        await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:HOOK-0001'", 1);
        await lab.RunAsync(daemon.Ctl($"attach {stick.PortId} l2-hook --mandatory"));
        await lab.RunAsync("virsh -q start --paused l2-hook && virsh -q destroy l2-hook"); // plugged in: the gate lets it start

        await lab.UnplugAsync(stick);
        await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:HOOK-0001' AND status = 'missing'", 1);
        ExecResult refused = await lab.ExecAsync("virsh -q start --paused l2-hook");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("usbpassd: mandatory USB device 46f4:0001:HOOK-0001 is not plugged in", refused.Stderr);
        output.WriteLine($"gate: {refused.Stderr.Trim()}");

        await daemon.StopAsync(); // usbpassd down: the default when_daemon_down=allow lets libvirt decide (it refuses: mandatory and absent)
        ExecResult down = await lab.ExecAsync("virsh -q start --paused l2-hook");
        Assert.DoesNotContain("usbpassd: mandatory", down.Stderr);
        Assert.Contains("USB device", down.Stderr); // libvirt's own refusal: the hook did not block
    });
}
