using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl migration DEVICE refuse|equivalent|drop</c>: change what a live migration does with a held device (devices.set_migration).</summary>
internal static class MigrationCommand
{
    private static readonly string[] Words = ["refuse", "equivalent", "drop"];

    /// <summary>An option accepting only the three words.</summary>
    public static Option<string?> DecisionOption(string name, string description)
    {
        var option = new Option<string?>(name) { Description = description, HelpName = "refuse|equivalent|drop" };
        option.AcceptOnlyFromAmong(Words);
        return option;
    }

    public static Command Create()
    {
        var device = CommonOptions.Device();
        var decision = new Argument<string>("DECISION") { Description = "refuse, equivalent or drop.", HelpName = "DECISION" };
        decision.AcceptOnlyFromAmong(Words);
        return new Command(
            "migration",
            """
            Change what a live migration of the domain that holds DEVICE does with it:

              refuse      the domain may not migrate while it holds this very device
                          (a licence key is that key); the destination refuses it
              equivalent  the destination's usbpassd reserves a free device of the same
                          vendor:product (and policy label) before anything moves, and
                          passes it once the domain has arrived
              drop        the domain migrates without it; it is released here

            The decision is kept with the claim and written into the domain's metadata,
            where the destination reads it.

            Examples:
              usbpassctl migration 1-4.2 equivalent
              usbpassctl migrate-check erp-vm
            """)
        {
            device, decision,
        }.Calls(Methods.DevicesSetMigration, ProtocolJson.Default.SetMigrationParams, parse => new SetMigrationParams
        {
            Device = parse.GetValue(device),
            Migration = parse.GetValue(decision),
        }, ProtocolJson.Default.AssignmentResult, (output, r) =>
        {
            AssignmentText.Write(output, r);
            output.WriteLine(Terminal.Safe($"a live migration of {r.InstanceUuid}: {r.Migration}"));
        });
    }
}
