using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol.Client;
using UsbPassd.Protocol.JsonRpc;

namespace UsbPassd.Cli.Commands;

/// <summary>What every command that talks to usbpassd shares: --socket, --json, and turning failures into advice.</summary>
internal static class DaemonCommand
{
    public static Option<string> Socket() => new("--socket")
    {
        Description = "usbpassd's socket (default $USBPASSD_SOCKET, else /run/usbpassd/usbpassd.sock).",
        HelpName = "PATH",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("USBPASSD_SOCKET") ?? UsbPassdClient.DefaultSocket,
    };

    /// <summary>Connects, runs <paramref name="body"/>, and maps failures to one line on stderr and exit code 1.</summary>
    public static async Task<int> RunAsync(ParseResult parse, Option<string> socket, Func<UsbPassdClient, TextWriter, CancellationToken, Task<int>> body, CancellationToken ct)
    {
        TextWriter error = parse.InvocationConfiguration.Error;
        try
        {
            await using UsbPassdClient client = await UsbPassdClient.ConnectAsync(parse.GetValue(socket)!, ct);
            return await body(client, parse.InvocationConfiguration.Output, ct);
        }
        catch (UsbPassdUnavailableException e)
        {
            error.WriteLine(Terminal.Safe($"usbpassctl: {e.Message}"));
        }
        catch (RpcException e)
        {
            // The daemon's sentences quote dev_ids and device strings.
            error.WriteLine(Terminal.Safe($"usbpassctl: {e.Message}"));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return UsbPassctl.Ok;
        }

        return UsbPassctl.Failed;
    }
}
