using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl policy show</c>: the rules in force (policy.show).</summary>
internal static class PolicyShowCommand
{
    public static Command Create() =>
        new Command("show", "Print the policy in force: every rule in the order tried, with where it comes from.")
            .Calls(Methods.PolicyShow, ProtocolJson.Default.NoParams, _ => new NoParams(), ProtocolJson.Default.PolicyShowResult,
                (output, r) => output.Write(Terminal.SafeLines(r.Text)));
}
