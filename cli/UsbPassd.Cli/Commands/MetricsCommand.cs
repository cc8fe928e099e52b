using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl metrics</c>: the Prometheus text the daemon serves (metrics.get).</summary>
internal static class MetricsCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var socket = DaemonCommand.Socket();
        var command = new Command(
            "metrics",
            """
            Print usbpassd's metrics in Prometheus text format: devices by status, attaches and
            failures, automatic re-attaches, policy refusals, uevent → commit latency histogram,
            netlink drops and rescans, libvirt connection. For node_exporter, set metrics_file
            in /etc/usbpassd/usbpassd.json instead (written every 15 s).
            """)
        {
            json, socket,
        };
        command.SetAction((parse, ct) => DaemonCommand.RunAsync(parse, socket, async (client, output, token) =>
        {
            MetricsResult m = await client.CallAsync(Methods.MetricsGet, new NoParams(), ProtocolJson.Default.NoParams, ProtocolJson.Default.MetricsResult, token);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(output, m);
            }
            else
            {
                output.Write(Terminal.SafeLines(m.Text));
            }

            return UsbPassctl.Ok;
        }, ct));
        return command;
    }
}
