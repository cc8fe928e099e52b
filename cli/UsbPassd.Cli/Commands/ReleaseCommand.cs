using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl release DEVICE INSTANCE_UUID</c>: give back a reservation (devices.release).</summary>
internal static class ReleaseCommand
{
    public static Command Create()
    {
        var device = CommonOptions.Device();
        var instance = new Argument<string>("INSTANCE_UUID") { Description = "The instance that holds the reservation." };
        return new Command("release", "Give back a reservation (an attached device is detached first with 'detach').")
        {
            device, instance,
        }.Calls(Methods.DevicesRelease, ProtocolJson.Default.ReleaseParams,
            parse => new ReleaseParams { Device = parse.GetValue(device), InstanceUuid = parse.GetValue(instance) },
            ProtocolJson.Default.AssignmentResult, AssignmentText.Write);
    }
}
