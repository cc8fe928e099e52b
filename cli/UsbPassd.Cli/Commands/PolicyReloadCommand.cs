using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl policy reload</c>: read the policy again, as SIGHUP does (policy.reload).</summary>
internal static class PolicyReloadCommand
{
    public static Command Create() =>
        new Command("reload", "Read the policy again (as SIGHUP does) and judge the present devices; devices attached to a VM that it now refuses are listed, not detached.")
            .Calls(Methods.PolicyReload, ProtocolJson.Default.NoParams, _ => new NoParams(), ProtocolJson.Default.PolicyReloadResult, Print);

    private static void Print(TextWriter output, PolicyReloadResult r)
    {
        output.WriteLine(Terminal.Safe($"policy reloaded: {r.Rules} rules, then '{r.Default}'"));
        foreach (PolicyConflict x in r.OwnedButRefused)
        {
            output.WriteLine(Terminal.Safe($"  {x.PortId} is {x.Status} to {x.InstanceUuid} but now refused: {x.Reason}"));
            output.WriteLine(Terminal.Safe($"    it stays; to take it out: usbpassctl detach {x.PortId} {x.InstanceUuid}"));
        }
    }
}
