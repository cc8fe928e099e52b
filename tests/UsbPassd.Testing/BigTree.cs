using System.Text;
using UsbPassd.Testing.Recordings;

namespace UsbPassd.Testing;

/// <summary>
/// A large host for benchmarks: real recorded USB devices from the corpus, cloned onto buses of
/// up to 99 ports each with their own root hub, with fresh bus/devnum and unique serials.
/// </summary>
public static class BigTree
{
    private const int PortsPerBus = 99;

    public static void Write(string root, int count)
    {
        List<UmockdevDevice> templates = [.. CorpusFacts.Recordings
            .Where(r => r.Format == "umockdev")
            .SelectMany(r => UmockdevRecording.Parse(File.ReadAllBytes(Path.Combine(Corpus.Raw, r.File))))
            .Where(d => d.Property("DEVTYPE") == "usb_device" && !d.SysfsPath.EndsWith("/usb1", StringComparison.Ordinal))];
        var tree = new SysfsTree(root);
        int written = 0;
        for (int bus = 1; written < count; bus++)
        {
            string controller = $"/devices/pci0000:00/0000:00:{bus:x2}.0/usb{bus}";
            tree.AddDevice(controller, "usb", RootHub(bus));
            written++;
            for (int port = 1; port <= PortsPerBus && written < count; port++, written++)
            {
                UmockdevDevice t = templates[written % templates.Count];
                var attributes = new Dictionary<string, byte[]>(t.Attributes, StringComparer.Ordinal)
                {
                    ["busnum"] = Encoding.ASCII.GetBytes($"{bus}\n"),
                    ["devnum"] = Encoding.ASCII.GetBytes($"{port + 1}\n"),
                    ["devpath"] = Encoding.ASCII.GetBytes($"{port}\n"),
                };
                if (attributes.ContainsKey("serial"))
                {
                    attributes["serial"] = Encoding.UTF8.GetBytes($"BENCH{written:D5}\n");
                }

                tree.AddDevice($"{controller}/{bus}-{port}", "usb", attributes);
            }
        }
    }

    private static Dictionary<string, byte[]> RootHub(int bus)
    {
        static byte[] T(string s) => Encoding.ASCII.GetBytes(s + "\n");
        return new(StringComparer.Ordinal)
        {
            ["idVendor"] = T("1d6b"), ["idProduct"] = T("0002"), ["bcdDevice"] = T("0601"),
            ["bDeviceClass"] = T("09"), ["bDeviceSubClass"] = T("00"), ["bDeviceProtocol"] = T("00"),
            ["busnum"] = T($"{bus}"), ["devnum"] = T("1"), ["devpath"] = T("0"), ["speed"] = T("480"),
            ["maxchild"] = T("15"), ["manufacturer"] = T("Linux 6.1.0 ehci_hcd"), ["product"] = T("EHCI Host Controller"),
            ["serial"] = T($"0000:00:{bus:x2}.0"), ["authorized"] = T("1"), ["removable"] = T("unknown"),
        };
    }
}
