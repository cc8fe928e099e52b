using System.CommandLine;
using System.Globalization;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl show DEVICE</c>: one device, every fact (devices.get).</summary>
internal static class ShowCommand
{
    public static Command Create()
    {
        var device = new Argument<string>("DEVICE") { Description = "A registry id (12), a port (1-4.2), an address (usb_2_3) or a dev_id (0529:0001:SERIAL)." };
        return new Command(
            "show",
            """
            Show one registered device: identity, status, owner, and every fact discovery found.

            Examples:
              usbpassctl show 1-4.2
              usbpassctl show usb_2_3
              usbpassctl show 0529:0001:LICENCE-0042 --json
            """)
        {
            device,
        }.Calls(Methods.DevicesGet, ProtocolJson.Default.DevicesGetParams, parse => DeviceSelector.Parse(parse.GetValue(device)!), ProtocolJson.Default.DeviceRecord, Print);
    }

    private static void Print(TextWriter output, DeviceRecord d)
    {
        UsbDeviceInfo? i = d.Info;
        var rows = new List<(string, string?)>
        {
            ("Name", DeviceText.Name(d)), ("Status", d.Status), ("Owner", d.InstanceUuid ?? "-"), ("dev_id", d.DevId),
            ("Port", d.PortId), ("Address", d.Address), ("ID", $"{d.VendorId}:{d.ProductId}"), ("Serial", d.Serial ?? "-"),
            ("Manufacturer", i?.Manufacturer ?? "-"), ("Product", i?.Product ?? "-"),
            ("Class", i is null ? null : $"{i.DeviceClass} {i.DeviceClassName}"),
            ("Interfaces", i is null ? null : string.Join(", ", i.Interfaces.Select(x => $"{x.Number}: {x.Class} {x.ClassName}"))),
            ("Speed", i?.SpeedMbps is double s ? $"{s.ToString(CultureInfo.InvariantCulture)} Mbit/s" : null),
            ("Eligible", i is null ? null : i.Eligible ? "yes" + (i.Ambiguous ? " (ambiguous: by port only)" : "") : $"no: {i.IneligibleReason}"),
            ("Present", d.Present ? "yes" : "no"), ("Registry id", d.Id.ToString(CultureInfo.InvariantCulture)),
            ("Previous row", d.PreviousId?.ToString(CultureInfo.InvariantCulture) ?? "-"), ("Since", d.CreatedAt),
            ("sysfs", i?.SysfsPath),
        };
        foreach ((string key, string? value) in rows.Where(r => r.Item2 is not null))
        {
            output.WriteLine($"{key + ":",-14}{Terminal.Safe(value!)}");
        }
    }
}
