using System.Diagnostics;

namespace UsbPassd.Tests.Integration.Libvirt;

/// <summary>
/// The tests that use this machine's libvirtd run one class at a time: their daemons see every
/// domain on it, and a hostdev one test defines is, rightly, "attached outside usbpassd" to another.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LocalLibvirtGroup
{
    public const string Name = "this machine's libvirtd";
}

/// <summary>This machine's real libvirtd: started if it is not running, and throw-away domains (type qemu, no disk).</summary>
internal static class LocalLibvirt
{
    public static void EnsureRunning() =>
        Shell("virsh -c qemu:///system uri >/dev/null 2>&1 || { virtlogd -d; libvirtd -d; for i in $(seq 100); do virsh -c qemu:///system uri >/dev/null 2>&1 && break; sleep 0.1; done; }");

    /// <summary>Defines a persistent, shut-off domain with <paramref name="devices"/> (by default an xHCI controller).</summary>
    public static void Define(string name, string devices = "<controller type='usb' model='qemu-xhci'/>")
    {
        EnsureRunning();
        string xml = Path.Combine(Path.GetTempPath(), name + ".xml");
        File.WriteAllText(xml, $"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>{devices}</devices></domain>");
        Shell($"virsh -q -c qemu:///system define {xml}");
        File.Delete(xml);
    }

    public static void Remove(string name) =>
        Shell($"virsh -q -c qemu:///system destroy {name} >/dev/null 2>&1; virsh -q -c qemu:///system undefine {name} >/dev/null 2>&1");

    public static string Shell(string command)
    {
        using Process p = Process.Start(new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }
}
