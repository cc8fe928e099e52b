using System.Net.Sockets;
using System.Text.Json;
using UsbPassd.Cli;

namespace UsbPassd.Tests.Integration.Cli;

/// <summary>
/// A stand-in for usbpassd on a Unix socket that answers each method with a canned reply, to see what
/// usbpassctl prints for answers the real daemon gives only with odd devices plugged in.
/// </summary>
internal sealed class FakeDaemon : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("usbpassd-fake-").FullName;
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<string, JsonElement, string> _answer;
    private readonly Func<string, string[]?> _then;
    private readonly Task _serving;

    /// <param name="answer">For a method and its params: the reply's member after the id, <c>"result":…</c> or <c>"error":…</c>.</param>
    /// <param name="then">For a method: lines to send after its reply (notifications), after which the daemon hangs up, as when it stops; null: none.</param>
    public FakeDaemon(Func<string, JsonElement, string> answer, Func<string, string[]?>? then = null)
    {
        _answer = answer;
        _then = then ?? (_ => null);
        _listener.Bind(new UnixDomainSocketEndPoint(Socket));
        _listener.Listen();
        _serving = ServeAsync();
    }

    public string Socket => Path.Combine(_directory, "usbpassd.sock");

    /// <summary>usbpassctl with <paramref name="args"/> against this daemon: exit code, stdout, stderr.</summary>
    public (int Code, string Out, string Err) Usbpassctl(params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        int code = UsbPassctl.Run([.. args, "--socket", Socket], output, error);
        return (code, output.ToString(), error.ToString());
    }

    private async Task ServeAsync()
    {
        try
        {
            while (true)
            {
                Socket connection = await _listener.AcceptAsync(_stop.Token);
                _ = AnswerAsync(connection);
            }
        }
        catch (OperationCanceledException)
        {
            // disposed
        }
    }

    private async Task AnswerAsync(Socket connection)
    {
        await using var stream = new NetworkStream(connection, ownsSocket: true);
        using var reader = new StreamReader(stream);
        await using var writer = new StreamWriter(stream) { NewLine = "\n", AutoFlush = true };
        try
        {
            while (await reader.ReadLineAsync(_stop.Token) is string line)
            {
                using JsonDocument request = JsonDocument.Parse(line);
                JsonElement r = request.RootElement;
                string method = r.GetProperty("method").GetString()!;
                await writer.WriteLineAsync($"{{\"jsonrpc\":\"2.0\",\"id\":{r.GetProperty("id").GetInt64()},{_answer(method, r.GetProperty("params"))}}}");
                if (_then(method) is string[] lines)
                {
                    foreach (string l in lines)
                    {
                        await writer.WriteLineAsync(l);
                    }

                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // the client went away, or the test is over
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _serving.GetAwaiter().GetResult();
        _stop.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
