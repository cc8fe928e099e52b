using System.CommandLine;
using System.Text.Json;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Client;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl watch</c>: live device events (events.subscribe) until Ctrl+C.</summary>
internal static class WatchCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var socket = DaemonCommand.Socket();
        var command = new Command(
            "watch",
            """
            Print device events as usbpassd registers them, one line each, until interrupted:
            added, removed (unplugged, or replaced by a renumbered row) and changed (status, owner).
            With --json, one JSON-RPC notification object per line (for scripts).
            """)
        {
            json, socket,
        };
        command.SetAction((parse, ct) => DaemonCommand.RunAsync(parse, socket, async (client, output, token) =>
        {
            await client.CallAsync(Methods.EventsSubscribe, new NoParams(), ProtocolJson.Default.NoParams, ProtocolJson.Default.SubscribeResult, token);
            // On stderr with --json, so stdout stays one JSON object per line for scripts.
            TextWriter notice = parse.GetValue(json) ? parse.InvocationConfiguration.Error : output;
            notice.WriteLine("watching device events (Ctrl+C to stop)");
            notice.Flush();
            await foreach (Notification n in client.Notifications.ReadAllAsync(token))
            {
                if (parse.GetValue(json))
                {
                    output.WriteLine(Terminal.SafeJson($"{{\"method\":{JsonSerializer.Serialize(n.Method, ProtocolJson.Default.String)},\"params\":{n.Params.GetRawText()}}}"));
                }
                else
                {
                    DeviceEvent e = n.Params.Deserialize(ProtocolJson.Default.DeviceEvent)!;
                    DeviceRecord d = e.Device;
                    string verb = n.Method[(n.Method.IndexOf('.', StringComparison.Ordinal) + 1)..];
                    output.WriteLine(Terminal.Safe($"{DateTime.Now:HH:mm:ss} {verb,-8} {d.PortId,-9} {d.VendorId}:{d.ProductId}  {DeviceText.Name(d)}  {d.Status}  id {d.Id}" +
                        (e.ReplacesId is long r ? $" (replaces {r})" : "")));
                }

                output.Flush();
            }

            return UsbPassctl.Ok;
        }, ct));
        return command;
    }
}
