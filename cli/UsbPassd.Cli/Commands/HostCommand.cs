using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl host</c>: the daemon itself (host.info).</summary>
internal static class HostCommand
{
    public static Command Create() =>
        new Command("host", "Show usbpassd's host: version, uptime, libvirt connection, uevent source and devices by status.")
            .Calls(Methods.HostInfo, ProtocolJson.Default.NoParams, _ => new NoParams(), ProtocolJson.Default.HostInfo, Print);

    private static void Print(TextWriter output, HostInfo h)
    {
        output.WriteLine(Terminal.Safe($"Host:        {h.Hostname}"));
        output.WriteLine(Terminal.Safe($"usbpassd:    {h.Version.Split('+')[0]} (pid {h.Pid}, since {h.StartedAt})"));
        output.WriteLine(Terminal.Safe($"libvirt:     {h.Libvirt}"));
        output.WriteLine(Terminal.Safe($"uevents:     {h.Uevents}; {h.UeventsProcessed} processed, {h.UeventsRejected} rejected"));
        output.WriteLine(Terminal.Safe($"devices:     {string.Join(", ", h.DevicesByStatus.Select(kv => $"{kv.Value} {kv.Key}"))}"));
        if (h.Placement is PlacementInfo p)
        {
            output.WriteLine(Terminal.Safe($"placement:   {p.State} ({p.Endpoint}), root {p.RootProvider}, {p.Providers} providers, {p.Allocated} allocated, {p.Pending} pending{(p.Conflicts > 0 ? $", {p.Conflicts} conflicts" : "")}{(p.Problem is null ? "" : $"; {p.Problem}")}"));
        }
    }
}
