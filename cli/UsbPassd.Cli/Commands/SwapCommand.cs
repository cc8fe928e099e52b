using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl swap INSTANCE FROM TO</c>: one device for another in a domain (devices.swap).</summary>
internal static class SwapCommand
{
    public static Command Create()
    {
        var instance = CommonOptions.Instance();
        var from = new Argument<string>("FROM") { Description = "The device INSTANCE has now." };
        var to = new Argument<string>("TO") { Description = "The device that takes its place." };
        var mode = new ModeOptions("Only in the running domain.", "Only in the persistent definition.");
        return new Command(
            "swap",
            """
            Replace FROM with TO in INSTANCE (a resize from a flavour with device A to one with
            device B). TO is claimed before FROM is detached, so nobody takes it in between;
            if libvirt refuses TO, FROM is attached again.

            Example:
              usbpassctl swap erp-vm 1-4.2 1-5
            """)
        {
            instance, from, to, mode.Live, mode.Config,
        }.Calls(Methods.DevicesSwap, ProtocolJson.Default.SwapParams,
            parse => new SwapParams { Instance = parse.GetValue(instance), From = parse.GetValue(from), To = parse.GetValue(to), Mode = mode.Mode(parse) },
            ProtocolJson.Default.AssignmentResult, AssignmentText.Write);
    }
}
