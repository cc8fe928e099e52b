using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl list</c>: the registry as usbpassd keeps it (devices.list).</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var status = new Option<string?>("--status") { Description = "Only devices in this status (available, reserved, attached, missing, blocked, ambiguous...).", HelpName = "STATUS" };
        var vendor = new Option<string?>("--vendor-id") { Description = "Only this vendor id (4 hex digits).", HelpName = "VVVV" };
        var product = new Option<string?>("--product-id") { Description = "Only this product id (4 hex digits).", HelpName = "PPPP" };
        var serial = new Option<string?>("--serial") { Description = "Only devices with this serial.", HelpName = "SERIAL" };
        var instance = new Option<string?>("--instance") { Description = "Only devices owned by this instance (domain UUID).", HelpName = "UUID" };
        var all = new Option<bool>("--all") { Description = "Include deleted rows (unplugged or renumbered devices: the history)." };
        return new Command(
            "list",
            """
            List the devices usbpassd has registered, with their status and owner.

            Unlike 'scan' (which reads sysfs directly), this is the daemon's registry: it knows which
            instance owns a device, devices that are missing, and with --all the rows of devices
            that were unplugged or renumbered (each new row points to the previous one).

            Examples:
              usbpassctl list
              usbpassctl list --status available --vendor-id 0529
              usbpassctl list --json | jq '.[] | {dev_id, status, instance_uuid}'
            """)
        {
            status, vendor, product, serial, instance, all,
        }.Calls(Methods.DevicesList, ProtocolJson.Default.DevicesListParams, parse => new DevicesListParams
        {
            Status = parse.GetValue(status),
            VendorId = parse.GetValue(vendor),
            ProductId = parse.GetValue(product),
            Serial = parse.GetValue(serial),
            InstanceUuid = parse.GetValue(instance),
            IncludeDeleted = parse.GetValue(all),
        }, ProtocolJson.Default.DeviceRecordArray, Print);
    }

    private static void Print(TextWriter output, DeviceRecord[] devices)
    {
        var table = new TextTable("ID", "STATUS", "PORT", "ADDRESS", "VID:PID", "NAME", "SERIAL", "INSTANCE");
        foreach (DeviceRecord d in devices)
        {
            table.Add(
                d.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                d.Status,
                d.PortId ?? "-",
                d.Address,
                $"{d.VendorId}:{d.ProductId}",
                DeviceText.Name(d),
                d.Serial ?? "-",
                d.InstanceUuid ?? "-");
        }

        table.Write(output);
        output.WriteLine();
        output.WriteLine($"{devices.Length} device{(devices.Length == 1 ? "" : "s")}");
    }
}
