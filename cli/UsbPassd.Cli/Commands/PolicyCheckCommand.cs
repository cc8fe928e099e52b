using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl policy check DEVICE</c>: the verdict on one device, now (policy.check).</summary>
internal static class PolicyCheckCommand
{
    public static Command Create()
    {
        var device = CommonOptions.Device();
        return new Command("check", "Say whether DEVICE may be passed to a VM now, by which rule, and why (judged with the host's mounts and keyboards as they are now). Exit status 0 allowed, 1 not.")
        {
            device,
        }.Calls(Methods.PolicyCheck, ProtocolJson.Default.PolicyCheckParams, parse => new PolicyCheckParams { Device = parse.GetValue(device) },
            ProtocolJson.Default.PolicyCheckResult, Print, r => r.Allowed ? UsbPassctl.Ok : UsbPassctl.Failed);
    }

    private static void Print(TextWriter output, PolicyCheckResult r)
    {
        output.WriteLine(Terminal.Safe($"{r.Device.PortId} {r.Device.VendorId}:{r.Device.ProductId} {DeviceText.Name(r.Device)}: {r.Verdict.ToUpperInvariant()}"));
        output.WriteLine(Terminal.Safe($"  {r.Reason}"));
    }
}
