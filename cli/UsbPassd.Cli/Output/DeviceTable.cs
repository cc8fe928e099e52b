using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Output;

/// <summary>The device table: lsusb's bus/device/ID, plus where it is plugged, its serial and whether it can be passed.</summary>
internal static class DeviceTable
{
    public static void Write(TextWriter output, IReadOnlyList<UsbDeviceInfo> devices)
    {
        var table = new TextTable("BUS", "DEV", "PORT", "ID", "NAME", "SERIAL", "PASS");
        foreach (UsbDeviceInfo d in devices)
        {
            table.Add(
                d.BusId.ToString("000"),
                d.DeviceId.ToString("000"),
                d.PortId,
                $"{d.VendorId}:{d.ProductId}",
                Name(d),
                d.Serial is null ? "-" : d.Serial.Length == 0 ? "\"\"" : d.Serial,
                Pass(d));
        }

        table.Write(output);
    }

    private static string Name(UsbDeviceInfo d) =>
        string.Join(' ', new[] { d.VendorName, d.ProductName }.Where(s => !string.IsNullOrEmpty(s))) is { Length: > 0 } name
            ? name
            : d.DeviceClassName ?? "(no name)";

    private static string Pass(UsbDeviceInfo d) =>
        !d.Eligible ? $"no: {d.IneligibleReason?.Replace('_', ' ')}"
        : d.Ambiguous ? "port only"
        : "yes";
}
