namespace UsbPassd.Devices;

/// <summary>Turns a scan into the host's device list: identity, eligibility and names, sorted by bus and port.</summary>
public static class Inventory
{
    /// <param name="judge">The device policy (one judgement per device); without it, only hubs are ineligible.</param>
    public static IReadOnlyList<DiscoveredDevice> Build(IReadOnlyList<UsbDevice> devices, UsbIds names, Func<IReadOnlyList<UsbDevice>, IReadOnlyList<DeviceJudgement>>? judge = null)
    {
        IReadOnlyList<(string DevId, bool Ambiguous)> identities = DeviceIdentity.Assign(devices);
        IReadOnlyList<DeviceJudgement>? judged = judge?.Invoke(devices);
        var result = new DiscoveredDevice[devices.Count];
        for (int i = 0; i < devices.Count; i++)
        {
            UsbDevice d = devices[i];
            result[i] = new DiscoveredDevice(
                d,
                identities[i].DevId,
                identities[i].Ambiguous,
                judged is null ? Eligibility.IneligibleReason(d) : judged[i].IneligibleReason,
                VendorName: names.Vendor(d.VendorId) ?? NonEmpty(d.Manufacturer),
                ProductName: names.Product(d.VendorId, d.ProductId) ?? NonEmpty(d.Product),
                PolicyRule: judged?[i].Rule,
                PolicyReason: judged?[i].Reason);
        }

        Array.Sort(result, (a, b) => PortOrder.Compare(a.Device.Port, b.Device.Port));
        return result;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
