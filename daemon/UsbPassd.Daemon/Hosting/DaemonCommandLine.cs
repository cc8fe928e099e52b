using System.CommandLine;

namespace UsbPassd.Daemon.Hosting;

/// <summary>usbpassd's command line: options override the config file, which overrides the defaults.</summary>
internal static class DaemonCommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        var config = new Option<string?>("--config") { Description = $"Config file (JSON; the keys are the long options' names with '_', plus socket_group, admin_group and the policy keys: see the shipped usbpassd.json). Default: {DaemonOptions.DefaultConfig} if it exists.", HelpName = "FILE" };
        var sysfs = new Option<string?>("--sysfs-root") { Description = "The folder that plays /sys. Default: /sys.", HelpName = "DIR" };
        var state = new Option<string?>("--state-dir") { Description = "Where the registry (registry.db) lives. Default: /var/lib/usbpassd.", HelpName = "DIR" };
        var socket = new Option<string?>("--socket") { Description = "The JSON-RPC socket. Default: /run/usbpassd/usbpassd.sock.", HelpName = "PATH" };
        var usbIds = new Option<string?>("--usb-ids") { Description = "usb.ids for names. Default: /usr/share/misc/usb.ids.", HelpName = "FILE" };
        var libvirt = new Option<string?>("--libvirt-uri") { Description = "libvirt connection URI, or 'none' to run without libvirt (discovery and registry only). Default: qemu:///system.", HelpName = "URI" };
        var uevents = new Option<string?>("--uevents") { Description = "netlink: follow the kernel/udev live (default); none: scan at start-up only; replay:FILE: replay recorded uevents (tests).", HelpName = "SOURCE" };
        var buffer = new Option<int?>("--uevent-buffer") { Description = "Netlink receive buffer in bytes (default 128 MiB). Events beyond it are lost and answered with a full rescan.", HelpName = "BYTES" };
        var metrics = new Option<string?>("--metrics-file") { Description = "Write the Prometheus metrics to FILE every 15 s (for node_exporter's textfile collector, e.g. /var/lib/prometheus/node-exporter/usbpassd.prom). They are always readable with 'usbpassctl metrics'.", HelpName = "FILE" };
        var policy = new Option<string?>("--policy-file") { Description = "Device policy rules (see 'usbpassctl policy --help'). Default: /etc/usbpassd/policy.rules if it exists. Reloaded on SIGHUP.", HelpName = "FILE" };
        var proc = new Option<string?>("--proc-root") { Description = "The folder that plays /proc (mount table and swaps for the host safety checks). Default: /proc.", HelpName = "DIR" };
        var hide = new Option<bool>("--hide-serials") { Description = "Show serial numbers in logs only as a short hash." };
        var root = new RootCommand(
            """
            usbpassd - the UsbPassd daemon: keeps a registry of this host's USB devices under
            identities that survive replug and reboot, and passes them to libvirt domains.

            It runs as a systemd service (Type=notify; READY=1 once the registry is migrated, the
            uevent socket is bound and the start-up scan is reconciled). SIGHUP reloads the device
            policy (policy_file and the JSON lists of the config file). It listens to udev's
            netlink group (the kernel's when no udevd runs) and accepts messages only from root's
            udevd or the kernel. Logs go to stderr, in journald's priority format under systemd.

            Exit status: 0 stopped cleanly, 1 could not start (the message says why), 2 usage.
            """)
        {
            config, sysfs, state, socket, usbIds, libvirt, uevents, buffer, metrics, policy, proc, hide,
        };

        DaemonOptions? options = null;
        string? problem = null;
        root.SetAction(parse =>
        {
            string? file = parse.GetValue(config);
            try
            {
                DaemonOptions loaded = DaemonOptions.Load(file ?? DaemonOptions.DefaultConfig, mustExist: file is not null);
                options = loaded with
                {
                    SysfsRoot = parse.GetValue(sysfs) ?? loaded.SysfsRoot,
                    StateDirectory = parse.GetValue(state) ?? loaded.StateDirectory,
                    Socket = parse.GetValue(socket) ?? loaded.Socket,
                    UsbIds = parse.GetValue(usbIds) ?? loaded.UsbIds,
                    LibvirtUri = parse.GetValue(libvirt) ?? loaded.LibvirtUri,
                    Uevents = parse.GetValue(uevents) ?? loaded.Uevents,
                    UeventBuffer = parse.GetValue(buffer) ?? loaded.UeventBuffer,
                    MetricsFile = parse.GetValue(metrics) ?? loaded.MetricsFile,
                    PolicyFile = parse.GetValue(policy) ?? loaded.PolicyFile,
                    ProcRoot = parse.GetValue(proc) ?? loaded.ProcRoot,
                    HideSerials = parse.GetValue(hide) || loaded.HideSerials,
                    ConfigFile = File.Exists(file ?? DaemonOptions.DefaultConfig) ? Path.GetFullPath(file ?? DaemonOptions.DefaultConfig) : null,
                };
                problem = options.Problem();
            }
            catch (InvalidOperationException e)
            {
                problem = e.Message;
            }
        });

        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors)
            {
                Console.Error.WriteLine($"usbpassd: {e.Message}");
            }

            Console.Error.WriteLine("Try 'usbpassd --help'.");
            return 2;
        }

        int code = await parsed.InvokeAsync();
        if (options is null)
        {
            return problem is null ? code : Fail(problem); // --help, --version
        }

        return problem is not null ? Fail(problem) : await Daemon.RunAsync(options);
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"usbpassd: {message}");
        return 1;
    }
}
