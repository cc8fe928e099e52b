using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl host</c>: the daemon itself (host.info).</summary>
internal static class HostCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var socket = DaemonCommand.Socket();
        var command = new Command("host", "Show usbpassd's host: version, uptime, libvirt connection, uevent source and devices by status.")
        {
            json, socket,
        };
        command.SetAction((parse, ct) => DaemonCommand.RunAsync(parse, socket, async (client, output, token) =>
        {
            HostInfo h = await client.CallAsync(Methods.HostInfo, new NoParams(), ProtocolJson.Default.NoParams, ProtocolJson.Default.HostInfo, token);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(output, h);
                return UsbPassctl.Ok;
            }

            output.WriteLine(Terminal.Safe($"Host:        {h.Hostname}"));
            output.WriteLine(Terminal.Safe($"usbpassd:    {h.Version.Split('+')[0]} (pid {h.Pid}, since {h.StartedAt})"));
            output.WriteLine(Terminal.Safe($"libvirt:     {h.Libvirt}"));
            output.WriteLine(Terminal.Safe($"uevents:     {h.Uevents}; {h.UeventsProcessed} processed, {h.UeventsRejected} rejected"));
            output.WriteLine(Terminal.Safe($"devices:     {string.Join(", ", h.DevicesByStatus.Select(kv => $"{kv.Value} {kv.Key}"))}"));
            return UsbPassctl.Ok;
        }, ct));
        return command;
    }
}
