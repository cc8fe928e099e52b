using System.Text.Json;

namespace UsbPassd.Testing.Lab;

/// <summary>
/// `make demo`: what UsbPassd does, on real USB devices in the lab host, in plain words.
/// It grows with each capability.
/// </summary>
public static class LabDemo
{
    public static async Task<int> RunAsync(string usbpassctlDll)
    {
        var key = new UsbStorage("key", "1", Serial: "LICENCE-0042");
        var reader = new UsbCcid("reader", "2");
        var hub = new UsbHub("hub", "3");
        var keyboard = new UsbKeyboard("kbd", "3.1");
        string scan = $"dotnet {usbpassctlDll} scan";

        Say("UsbPassd demo: a real Linux USB stack in a lab host VM (its kernel, udev and libvirt are real;");
        Say("the USB devices are QEMU's emulated ones, plugged and pulled like real ones).");
        await using LabHost lab = await LabHost.BootAsync([key, reader, hub, keyboard], new LabProgress(m => Console.WriteLine($"  … {m}")));

        Step("1. Discovery: every USB device of the host, where it is plugged, and whether it may go to a VM.");
        Console.Write(await lab.RunAsync(scan));

        Step("2. A licence dongle is pulled and plugged into another port (another controller even).");
        string before = await DevIdLine(lab, scan, key.PortId);
        await lab.UnplugAsync(key);
        var moved = key with { Port = "2", Controller = LabController.Ehci };
        await lab.PlugAsync(moved);
        string after = await DevIdLine(lab, scan, moved.PortId);
        Console.WriteLine($"  before: {before}");
        Console.WriteLine($"  after:  {after}");
        Console.WriteLine("  Port, bus and device number changed; dev_id did not: it is the same dongle to UsbPassd.");

        Step("3. Two identical sticks without serial numbers: only their ports tell them apart.");
        var twinA = new UsbStorage("twin-a", "5", Serial: "");
        var twinB = new UsbStorage("twin-b", "6", Serial: "");
        await lab.PlugAsync(twinA);
        await lab.PlugAsync(twinB);
        foreach (string line in (await lab.RunAsync(scan)).Split('\n').Where(l => l.Contains("port only", StringComparison.Ordinal) || l.StartsWith("BUS", StringComparison.Ordinal)))
        {
            Console.WriteLine(line);
        }

        Console.WriteLine("  Both are 'ambiguous': UsbPassd lists them but never guesses; they can be given to a VM only by port.");

        Step("4. The lab's libvirt passes the smartcard reader to a VM (what UsbPassd drives from the libvirt issue on).");
        await lab.StartDomainAsync("erp-vm");
        await lab.RunAsync("echo \"<hostdev mode='subsystem' type='usb'><source><vendor id='0x08e6'/><product id='0x4433'/></source></hostdev>\" > /tmp/r.xml && virsh -q attach-device erp-vm /tmp/r.xml --live");
        Console.WriteLine("  inside the VM's QEMU ('info usb'):");
        Console.Write(Indent(await lab.GuestUsbAsync("erp-vm")));
        await lab.StopDomainAsync("erp-vm");

        Step("Done: the lab host is shut down; nothing is left running.");
        return 0;
    }

    private static async Task<string> DevIdLine(LabHost lab, string scan, string portId)
    {
        using JsonDocument doc = JsonDocument.Parse(await lab.RunAsync(scan + " --json"));
        JsonElement d = doc.RootElement.EnumerateArray().Single(e => e.GetProperty("port_id").GetString() == portId);
        return $"port {d.GetProperty("port_id").GetString(),-5} address {d.GetProperty("address").GetString(),-9} dev_id {d.GetProperty("dev_id").GetString()}";
    }

    private static string Indent(string text) => string.Concat(text.Split('\n').Where(l => l.Length > 0).Select(l => $"    {l.Trim()}\n"));

    private static void Say(string text) => Console.WriteLine(text);

    private static void Step(string text)
    {
        Console.WriteLine();
        Console.WriteLine($"\u001b[1m{text}\u001b[0m");
    }
}
