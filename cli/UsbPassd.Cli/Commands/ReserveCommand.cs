using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl reserve DEVICE INSTANCE_UUID</c>: hold a device for an instance (devices.reserve).</summary>
internal static class ReserveCommand
{
    public static Command Create()
    {
        var device = CommonOptions.Device();
        var instance = new Argument<string>("INSTANCE_UUID") { Description = "The instance that will own the device (domain UUID)." };
        var ttl = new Option<int?>("--ttl") { Description = "Seconds after which an unattached reservation lapses.", HelpName = "SECONDS" };
        return new Command("reserve", "Hold DEVICE for an instance (a scheduler's step before boot). Prints the fencing token; exactly one of two racing callers wins.")
        {
            device, instance, ttl,
        }.Calls(Methods.DevicesReserve, ProtocolJson.Default.ReserveParams,
            parse => new ReserveParams { Device = parse.GetValue(device), InstanceUuid = parse.GetValue(instance), TtlSeconds = parse.GetValue(ttl) },
            ProtocolJson.Default.AssignmentResult, AssignmentText.Write);
    }
}
