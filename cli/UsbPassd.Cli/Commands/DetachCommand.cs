using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl detach DEVICE INSTANCE</c>: take a device out of a libvirt domain (devices.detach).</summary>
internal static class DetachCommand
{
    public static Command Create()
    {
        var device = CommonOptions.Device();
        var instance = CommonOptions.Instance();
        var mode = new ModeOptions("Only from the running domain.", "Only from the persistent definition.");
        return new Command("detach", "Take DEVICE out of INSTANCE (confirmed by libvirt); it is then free for others.")
        {
            device, instance, mode.Live, mode.Config,
        }.Calls(Methods.DevicesDetach, ProtocolJson.Default.DetachParams,
            parse => new DetachParams { Device = parse.GetValue(device), Instance = parse.GetValue(instance), Mode = mode.Mode(parse) },
            ProtocolJson.Default.AssignmentResult, AssignmentText.Write);
    }
}
