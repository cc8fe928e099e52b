using System.CommandLine;
using UsbPassd.Cli.Commands;

namespace UsbPassd.Cli;

/// <summary>The command tree of usbpassctl; exit codes: 0 done, 1 failed, 2 usage error.</summary>
internal static class UsbPassctl
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    public static RootCommand Build()
    {
        var root = new RootCommand(
            """
            usbpassctl - inspect and control USB passthrough on this KVM host.

            usbpassd keeps a registry of the host's USB devices under identities that survive
            replug and reboot (dev_id), and attaches them to libvirt domains. usbpassctl shows
            what it sees and asks it to act. Every command takes --json for scripts.
            """);
        Command[] commands =
        [
            ScanCommand.Create(), ListCommand.Create(), ShowCommand.Create(), HostCommand.Create(), MetricsCommand.Create(), PolicyCommand.Create(),
            HistoryCommand.Create(), WatchCommand.Create(), ReserveCommand.Create(), ReleaseCommand.Create(), AttachCommand.Create(),
            DetachCommand.Create(), SwapCommand.Create(), InstancesCommand.Create(),
        ];
        foreach (Command c in commands)
        {
            root.Subcommands.Add(c);
        }

        return root;
    }

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ParseResult parsed = Build().Parse(args);
        var config = new InvocationConfiguration { Output = output, Error = error };
        if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
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
