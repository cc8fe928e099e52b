using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl instances INSTANCE</c>: the devices an instance owns (instances.devices).</summary>
internal static class InstancesCommand
{
    public static Command Create()
    {
        var instance = CommonOptions.Instance();
        return new Command("instances", "List the devices INSTANCE owns (reserved or attached).")
        {
            instance,
        }.Calls(Methods.InstancesDevices, ProtocolJson.Default.InstanceParams, parse => new InstanceParams { Instance = parse.GetValue(instance) },
            ProtocolJson.Default.DeviceRecordArray, Print);
    }

    private static void Print(TextWriter output, DeviceRecord[] owned)
    {
        foreach (DeviceRecord d in owned)
        {
            output.WriteLine(Terminal.Safe($"{d.Status,-10} {d.PortId,-9} {d.VendorId}:{d.ProductId}  {DeviceText.Name(d)}  {d.DevId}"));
        }

        output.WriteLine($"{owned.Length} device{(owned.Length == 1 ? "" : "s")}");
    }
}
