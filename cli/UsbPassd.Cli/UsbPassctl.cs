using System.CommandLine;
using System.CommandLine.Help;
using UsbPassd.Cli.Commands;

namespace UsbPassd.Cli;

/// <summary>The command tree of usbpassctl; exit codes: 0 done, 1 failed, 2 usage error.</summary>
internal static class UsbPassctl
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    // In this order, and with this line in 'usbpassctl --help'; 'usbpassctl COMMAND --help' gives the whole text.
    private static readonly (Func<Command> Create, string Summary)[] Commands =
    [
        (ScanCommand.Create, "List USB devices from sysfs (no daemon)."),
        (ListCommand.Create, "List the devices usbpassd has registered."),
        (ShowCommand.Create, "Show one device: identity, status, facts."),
        (HostCommand.Create, "Show usbpassd's version, uptime and state."),
        (MetricsCommand.Create, "Print metrics in Prometheus text format."),
        (PolicyCommand.Create, "Check, show or reload the device policy."),
        (HistoryCommand.Create, "Show what happened to devices, by whom."),
        (WatchCommand.Create, "Print device events as they happen."),
        (ReserveCommand.Create, "Hold a device for an instance before boot."),
        (ReleaseCommand.Create, "Give back a reservation."),
        (AttachCommand.Create, "Pass a device to a libvirt domain."),
        (DetachCommand.Create, "Take a device out of a libvirt domain."),
        (SwapCommand.Create, "Replace one device by another in a domain."),
        (InstancesCommand.Create, "List the devices an instance owns."),
        (VmsCommand.Create, "List the libvirt domains and what they hold."),
        (MigrationCommand.Create, "Set a device's live-migration decision."),
        (MigrateCheckCommand.Create, "Say what a live migration would do."),
        (PlacementCommand.Create, "This host's sync into Placement."),
        (FleetCommand.Create, "Every host's USB devices in Placement."),
    ];

    public static RootCommand Build()
    {
        var root = new RootCommand(
            """
            usbpassctl - inspect and control USB passthrough on this KVM host.

            usbpassd keeps a registry of the host's USB devices under identities that survive
            replug and reboot (dev_id), and attaches them to libvirt domains. usbpassctl shows
            what it sees and asks it to act. Every command takes --json for scripts.
            """);
        var summaries = new Dictionary<Command, string>();
        foreach ((Func<Command> create, string summary) in Commands)
        {
            Command command = create();
            root.Subcommands.Add(command);
            summaries.Add(command, summary);
        }

        HelpOption help = root.Options.OfType<HelpOption>().Single();
        help.Action = new CommandListHelp((HelpAction)help.Action!, summaries);
        return root;
    }

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ParseResult parsed = Build().Parse(args);
        var config = new InvocationConfiguration { Output = output, Error = error };
        if (parsed.Errors.Count > 0 && parsed.Action is not CommandListHelp)
        {
            foreach (var e in parsed.Errors)
            {
                error.WriteLine(Output.Terminal.Safe($"usbpassctl: {e.Message}"));
            }

            error.WriteLine("Try 'usbpassctl --help' (or 'usbpassctl COMMAND --help').");
            return Usage;
        }

        return parsed.Invoke(config);
    }
}
