using System.Text.Json;

namespace UsbPassd.Testing.Lab;

/// <summary>
/// `make demo`: what UsbPassd does, on real USB devices in the lab host, in plain words.
/// It grows with each capability.
/// </summary>
public static class LabDemo
{
    public static async Task<int> RunAsync(string usbpassctl, string usbpassd)
    {
        var key = new UsbStorage("key", "1", Serial: "LICENCE-0042");
        var reader = new UsbCcid("reader", "2");
        var hub = new UsbHub("hub", "3");
        var keyboard = new UsbKeyboard("kbd", "3.1");
        string scan = $"{usbpassctl} scan";

        Say("UsbPassd demo: a real Linux USB stack in a lab host VM (its kernel, udev and libvirt are real;");
        Say("the USB devices are QEMU's emulated ones, plugged and pulled like real ones).");
        await using LabHost lab = await LabHost.BootAsync([key, reader, hub, keyboard], new LabProgress(m => Console.WriteLine($"  … {m}")));

        Step("1. Discovery: every USB device of the host, where it is plugged, and whether it may go to a VM.");
        Console.Write(await lab.RunAsync(scan));

        Step("2. usbpassd, the daemon, registers them and follows the host live (netlink, from udev).");
        string socket = "/run/usbpassd-demo/usbpassd.sock";
        string ctl = usbpassctl;
        string watchLog = Path.Combine(lab.ShareDirectory, "watch.log");
        await lab.RunAsync($"setsid -f {usbpassd} --state-dir /run/usbpassd-demo --socket {socket} --libvirt-uri qemu:///system > {lab.ShareDirectory}/usbpassd.log 2>&1 < /dev/null");
        await lab.RunAsync($"{LabHost.ScriptDirectory}/wait-until.sh 60 {lab.ShareDirectory} -- grep -q ready: {lab.ShareDirectory}/usbpassd.log");
        Console.Write(await lab.RunAsync($"{ctl} host --socket {socket}"));
        await lab.RunAsync($"setsid -f {ctl} watch --socket {socket} > {watchLog} 2>&1 < /dev/null");
        await lab.RunAsync($"{LabHost.ScriptDirectory}/wait-until.sh 60 {lab.ShareDirectory} -- test -s {watchLog}");

        Step("3. A licence dongle is pulled and plugged into another port (another controller even).");
        string before = await DevIdLine(lab, scan, key.PortId);
        await lab.UnplugAsync(key);
        var moved = key with { Port = "2", Controller = LabController.Ehci };
        await lab.PlugAsync(moved);
        string after = await DevIdLine(lab, scan, moved.PortId);
        Console.WriteLine($"  before: {before}");
        Console.WriteLine($"  after:  {after}");
        Console.WriteLine("  Port, bus and device number changed; dev_id did not: it is the same dongle to UsbPassd.");
        await lab.RunAsync($"{LabHost.ScriptDirectory}/wait-until.sh 60 {lab.ShareDirectory} -- grep -q 'added.*{moved.PortId}' {watchLog}");
        Console.WriteLine("  what 'usbpassctl watch' printed meanwhile:");
        Console.Write(Indent(File.ReadAllText(watchLog)));
        Console.WriteLine("  the registry ('usbpassctl list --all': the old row is kept, the new one points to it):");
        Console.Write(Indent(await lab.RunAsync($"{ctl} list --all --vendor-id 46f4 --socket {socket}")));

        Step("4. Two identical sticks without serial numbers: only their ports tell them apart.");
        var twinA = new UsbStorage("twin-a", "5", Serial: "");
        var twinB = new UsbStorage("twin-b", "6", Serial: "");
        await lab.PlugAsync(twinA);
        await lab.PlugAsync(twinB);
        foreach (string line in (await lab.RunAsync(scan)).Split('\n').Where(l => l.Contains("port only", StringComparison.Ordinal) || l.StartsWith("BUS", StringComparison.Ordinal)))
        {
            Console.WriteLine(line);
        }

        Console.WriteLine("  Both are 'ambiguous': UsbPassd lists them but never guesses; they can be given to a VM only by port.");

        Step("5. The licence dongle goes to the ERP VM through usbpassd (a running libvirt guest).");
        await lab.StartDomainAsync("erp-vm");
        Console.WriteLine($"  $ usbpassctl attach {moved.PortId} erp-vm");
        Console.Write(Indent(await lab.RunAsync($"{ctl} attach {moved.PortId} erp-vm --socket {socket}")));
        Console.WriteLine("  inside the VM's QEMU ('info usb'):");
        Console.Write(Indent(await lab.GuestUsbAsync("erp-vm")));

        Step("6. Someone pulls the dongle: the VM runs on; it is plugged back into another port and comes back by itself.");
        await lab.UnplugAsync(moved);
        await lab.RunAsync($"{LabHost.ScriptDirectory}/wait-until.sh 60 {lab.ShareDirectory} -- grep -q 'stale hostdev removed' {lab.ShareDirectory}/usbpassd.log");
        Console.WriteLine($"  VM state: {(await lab.RunAsync("virsh domstate erp-vm")).Trim()}; the dongle: {(await lab.RunAsync($"{ctl} show 46f4:0001:LICENCE-0042 --json --socket {socket} | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"status\"])'")).Trim()}");
        var back = moved with { Port = "7", Controller = LabController.Xhci }; // 5 and 6 hold the twins
        await lab.PlugAsync(back);
        await lab.RunAsync($"{LabHost.ScriptDirectory}/wait-until.sh 60 {lab.ShareDirectory} -- grep -q 're-attached' {lab.ShareDirectory}/usbpassd.log");
        Console.WriteLine("  usbpassd's log:");
        Console.Write(Indent(string.Join('\n', File.ReadLines(Path.Combine(lab.ShareDirectory, "usbpassd.log")).Where(l => l.Contains("re-attached", StringComparison.Ordinal) || l.Contains("stale hostdev", StringComparison.Ordinal)).Select(l => l[(l.IndexOf(']', StringComparison.Ordinal) + 2)..]))));
        Console.WriteLine("  inside the VM's QEMU again, with no call from anyone:");
        Console.Write(Indent(await lab.GuestUsbAsync("erp-vm")));
        await lab.StopDomainAsync("erp-vm");
        await lab.ExecAsync("pkill -f 'usbpassctl watch'; pkill -TERM -f -- '--state-dir /run/usbpassd-demo'");

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
