using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl metrics</c>: the Prometheus text the daemon serves (metrics.get).</summary>
internal static class MetricsCommand
{
    public static Command Create() =>
        new Command(
            "metrics",
            """
            Print usbpassd's metrics in Prometheus text format: devices by status, attaches and
            failures, automatic re-attaches, policy refusals, uevent → commit latency histogram,
            netlink drops and rescans, libvirt connection. For node_exporter, set metrics_file
            in /etc/usbpassd/usbpassd.json instead (written every 15 s).
            """)
            .Calls(Methods.MetricsGet, ProtocolJson.Default.NoParams, _ => new NoParams(), ProtocolJson.Default.MetricsResult,
                (output, m) => output.Write(Terminal.SafeLines(m.Text)));
}
