using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl migrate-check INSTANCE [--to HOST]</c>: what a live migration would do with each device (instances.migration_check).</summary>
internal static class MigrateCheckCommand
{
    public static Command Create()
    {
        var instance = CommonOptions.Instance();
        var to = new Option<string?>("--to") { Description = "The destination host, when you know it.", HelpName = "HOST" };
        return new Command(
            "migrate-check",
            """
            Say, before anything moves, what a live migration of INSTANCE would do with each USB
            device it holds here: blocked (migration: refuse), needs a free equivalent on the
            destination (equivalent), or left behind (drop). Exit status 0 when nothing blocks.

            The destination decides for itself when the migration begins (its usbpassd reserves
            the equivalent in libvirt's migrate hook, or refuses with a sentence virsh shows).

            Examples:
              usbpassctl migrate-check erp-vm
              usbpassctl migrate-check erp-vm --to host-b --json
            """)
        {
            instance, to,
        }.Calls(Methods.InstancesMigrationCheck, ProtocolJson.Default.MigrationCheckParams, parse => new MigrationCheckParams
        {
            Instance = parse.GetValue(instance),
            Destination = parse.GetValue(to),
        }, ProtocolJson.Default.MigrationCheckResult, Print, r => r.Allowed ? 0 : 1);
    }

    private static void Print(TextWriter output, MigrationCheckResult r)
    {
        var table = new TextTable("PORT", "ID", "DEV_ID", "MIGRATION", "OUTCOME");
        foreach (MigrationCheckDevice d in r.Devices)
        {
            table.Add(d.Device.PortId ?? "?", $"{d.Device.VendorId}:{d.Device.ProductId}", d.Device.DevId ?? "", d.Migration + (d.Explicit ? "" : " (default)"), d.Outcome);
        }

        if (r.Devices.Count > 0)
        {
            table.Write(output);
            output.WriteLine();
        }

        foreach (MigrationCheckDevice d in r.Devices)
        {
            output.WriteLine(Terminal.Safe($"{d.Device.PortId}: {d.Why}"));
        }

        string where = r.Destination is null ? "" : $" to {r.Destination}";
        output.WriteLine(Terminal.Safe(r.Devices.Count == 0
            ? $"{r.InstanceUuid} holds no USB device through usbpassd here: nothing stops a migration{where}"
            : r.Allowed ? $"a live migration of {r.InstanceUuid}{where} may go ahead as above" : $"a live migration of {r.InstanceUuid}{where} would be refused"));
    }
}
