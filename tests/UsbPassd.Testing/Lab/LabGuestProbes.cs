using System.Text.Json.Nodes;

namespace UsbPassd.Testing.Lab;

/// <summary>
/// Whether an L2 guest really has its USB device, asked where the truth is rather than in libvirt's XML
/// or HMP <c>info usb</c> (both still list a usb-host that QEMU closed after a migration; see
/// /work/shared/docs/two-host-lab.md, "USB hostdev across a migration").
/// </summary>
public static class LabGuestProbes
{
    /// <summary>QOM's <c>attached</c> of the guest device <paramref name="alias"/> (libvirt's alias, QEMU's id): whether QEMU's usb-host has the device open.</summary>
    public static async Task<bool> QomAttachedAsync(this LabHost host, string domain, string alias)
    {
        string reply = await host.RunAsync(
            $$$"""virsh qemu-monitor-command {{{domain}}} '{"execute":"qom-get","arguments":{"path":"/machine/peripheral/{{{alias}}}","property":"attached"}}'""");
        return JsonNode.Parse(reply)?["return"]?.GetValue<bool>()
            ?? throw new LabException($"qom-get {alias} attached in '{domain}' answered no boolean: {reply}");
    }

    /// <summary>Whether the guest's QEMU process holds a file of /dev/bus/usb open (a usb-host that has its device).</summary>
    public static async Task<bool> QemuHoldsUsbAsync(this LabHost host, string domain)
    {
        string fds = await host.RunAsync($"ls -l /proc/$(cat /run/libvirt/qemu/{domain}.pid)/fd");
        return fds.Contains("/dev/bus/usb/", StringComparison.Ordinal);
    }

    /// <summary>The L1 driver bound to interface 0 of the device at <paramref name="portId"/> (<c>usb-storage</c>), or null while none is (QEMU has it).</summary>
    public static async Task<string?> HostDriverOfAsync(this LabHost host, string portId)
    {
        string device = $"/sys/bus/usb/devices/{portId}";
        string driver = (await host.RunAsync(
            $"[ -e {device} ] || {{ echo 'no USB device at {portId}' >&2; exit 1; }}; d=$(readlink {device}:1.0/driver) && basename \"$d\" || true")).Trim();
        return driver == "" ? null : driver;
    }
}
