namespace UsbPassd.Devices;

/// <summary>Turns a scan into the host's device list: identity, eligibility and names, sorted by bus and port.</summary>
public static class Inventory
{
    public static IReadOnlyList<DiscoveredDevice> Build(IReadOnlyList<UsbDevice> devices, UsbIds names)
    {
        IReadOnlyList<(string DevId, bool Ambiguous)> identities = DeviceIdentity.Assign(devices);
        var result = new DiscoveredDevice[devices.Count];
        for (int i = 0; i < devices.Count; i++)
        {
            UsbDevice d = devices[i];
            result[i] = new DiscoveredDevice(
                d,
                identities[i].DevId,
                identities[i].Ambiguous,
                Eligibility.IneligibleReason(d),
                VendorName: names.Vendor(d.VendorId) ?? NonEmpty(d.Manufacturer),
                ProductName: names.Product(d.VendorId, d.ProductId) ?? NonEmpty(d.Product));
        }

        Array.Sort(result, (a, b) => PortOrder.Compare(a.Device.Port, b.Device.Port));
        return result;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
