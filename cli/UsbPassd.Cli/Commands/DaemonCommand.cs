using System.CommandLine;
using System.Text.Json.Serialization.Metadata;
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

    /// <summary>
    /// The command calls <paramref name="method"/> once and prints the result: with --json in the protocol's
    /// shape, else through <paramref name="text"/>. --json and --socket come after the command's own options.
    /// </summary>
    /// <param name="status">The exit code for a result; by default 0.</param>
    public static Command Calls<TParams, TResult>(
        this Command command,
        string method,
        JsonTypeInfo<TParams> paramsInfo,
        Func<ParseResult, TParams> parameters,
        JsonTypeInfo<TResult> resultInfo,
        Action<TextWriter, TResult> text,
        Func<TResult, int>? status = null) =>
        command.Answers((parse, client, ct) => client.CallAsync(method, parameters(parse), paramsInfo, resultInfo, ct), result => result, text, status);

    /// <summary>As <see cref="Calls"/> for an answer that takes several calls; --json prints <paramref name="json"/> of it.</summary>
    public static Command Answers<TAnswer, TJson>(
        this Command command,
        Func<ParseResult, UsbPassdClient, CancellationToken, Task<TAnswer>> ask,
        Func<TAnswer, TJson> json,
        Action<TextWriter, TAnswer> text,
        Func<TAnswer, int>? status = null)
    {
        Option<bool> asJson = CommonOptions.Json();
        Option<string> socket = Socket();
        command.Options.Add(asJson);
        command.Options.Add(socket);
        command.SetAction((parse, ct) => RunAsync(parse, socket, async (client, output, token) =>
        {
            TAnswer answer = await ask(parse, client, token);
            if (parse.GetValue(asJson))
            {
                JsonOutput.Write(output, json(answer));
            }
            else
            {
                text(output, answer);
            }

            return status?.Invoke(answer) ?? UsbPassctl.Ok;
        }, ct));
        return command;
    }

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
