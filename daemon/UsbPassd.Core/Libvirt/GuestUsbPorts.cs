using System.Globalization;
using System.Xml.Linq;

namespace UsbPassd.Libvirt;

/// <summary>One USB bus of a guest (a controller, by index) and its ports as libvirt counts them.</summary>
/// <param name="Ports">Top-level ports, or null when the model's count is unknown to us (then we do not judge).</param>
/// <param name="Used">Port paths taken by devices with a USB address (hostdevs, input, redirdev, hubs...).</param>
/// <param name="Free">Free port paths, hub ports included, in the order libvirt would fill them.</param>
public sealed record GuestUsbBus(int Index, string Model, int? Ports, IReadOnlyList<string> Used, IReadOnlyList<string> Free)
{
    public string Family => GuestUsbPorts.Family(Model);
}

/// <summary>
/// Counts a guest's free USB ports from its domain XML (tech.md §5): hotplug never adds a hub, so a
/// live attach to a full controller fails with libvirt's "No free USB ports"; counting first lets us
/// say which controller is full, by what, and what to do instead.
/// </summary>
public static class GuestUsbPorts
{
    // virDomainUSBAddressControllerModelToPorts; companions (ich9-uhci1..3) share the EHCI bus.
    private static int? PortsOf(string model, int? portsAttribute) => model switch
    {
        "piix3-uhci" or "piix4-uhci" or "vt82c686b-uhci" => 2,
        "ehci" or "ich9-ehci1" => 6,
        "ich9-uhci1" or "ich9-uhci2" or "ich9-uhci3" => 0,
        "pci-ohci" => 3,
        "qemu-xhci" or "nec-xhci" => portsAttribute ?? 4,
        _ => null,
    };

    private const int HubPorts = 8; // VIR_DOMAIN_USB_HUB_PORTS

    /// <summary>uhci, ehci, xhci, ohci or the model itself: what an attachment may ask for.</summary>
    public static string Family(string model) => model switch
    {
        "piix3-uhci" or "piix4-uhci" or "vt82c686b-uhci" or "ich9-uhci1" or "ich9-uhci2" or "ich9-uhci3" => "uhci",
        "ehci" or "ich9-ehci1" => "ehci",
        "qemu-xhci" or "nec-xhci" => "xhci",
        "pci-ohci" => "ohci",
        _ => model,
    };

    /// <summary>The controller model usbpassd adds to a stopped domain for a family.</summary>
    public static string ModelFor(string family) => family switch
    {
        "uhci" => "piix3-uhci",
        "ehci" => "ehci",
        "xhci" => "qemu-xhci",
        _ => throw new ArgumentException($"controller must be uhci, ehci or xhci, not '{family}'", nameof(family)),
    };

    public static IReadOnlyList<GuestUsbBus> Buses(string domainXml)
    {
        XElement? devices = DomainXml.Parse(domainXml).Root?.Element("devices");
        if (devices is null)
        {
            return [];
        }

        // One bus per index: an EHCI master and its UHCI companions count once, with the EHCI's ports.
        var buses = new SortedDictionary<int, (string Model, int? Ports)>();
        foreach (XElement c in devices.Elements("controller").Where(c => (string?)c.Attribute("type") == "usb"))
        {
            string model = (string?)c.Attribute("model") ?? "default";
            if (model == "none")
            {
                continue;
            }

            int index = Number((string?)c.Attribute("index")) ?? 0;
            int? ports = PortsOf(model, Number((string?)c.Attribute("ports")));
            if (!buses.TryGetValue(index, out var known) || (known.Ports ?? 0) < (ports ?? 0))
            {
                buses[index] = (model, ports);
            }
        }

        var used = new Dictionary<int, List<string>>();
        var hubs = new Dictionary<int, List<string>>();
        foreach (XElement device in devices.Elements())
        {
            XElement? address = device.Elements("address").FirstOrDefault(a => (string?)a.Attribute("type") == "usb");
            if (address is null || Number((string?)address.Attribute("bus")) is not int bus || (string?)address.Attribute("port") is not string port)
            {
                continue;
            }

            Add(used, bus, port);
            if (device.Name.LocalName == "hub")
            {
                Add(hubs, bus, port);
            }
        }

        return [.. buses.Select(b =>
        {
            List<string> taken = used.GetValueOrDefault(b.Key) ?? [];
            IEnumerable<string> all = Enumerable.Range(1, b.Value.Ports ?? 0).Select(p => p.ToString(CultureInfo.InvariantCulture))
                .Concat((hubs.GetValueOrDefault(b.Key) ?? []).SelectMany(h => Enumerable.Range(1, HubPorts).Select(p => $"{h}.{p}")));
            return new GuestUsbBus(b.Key, b.Value.Model, b.Value.Ports, taken, [.. all.Where(p => !taken.Contains(p))]);
        })];
    }

    /// <summary>The next free index for a new USB controller.</summary>
    public static int NextControllerIndex(string domainXml) =>
        (DomainXml.Parse(domainXml).Root?.Element("devices")?.Elements("controller")
            .Where(c => (string?)c.Attribute("type") == "usb")
            .Select(c => Number((string?)c.Attribute("index")) ?? 0)
            .DefaultIfEmpty(-1).Max() ?? -1) + 1;

    private static void Add(Dictionary<int, List<string>> map, int bus, string port)
    {
        if (!map.TryGetValue(bus, out List<string>? list))
        {
            map[bus] = list = [];
        }

        list.Add(port);
    }

    private static int? Number(string? text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : null;
}
