using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace UsbPassd.Testing.Lab;

/// <summary>A QMP error reply: the command was understood and refused.</summary>
public sealed class QmpException(string command, string errorClass, string description)
    : Exception($"QMP {command} failed: {errorClass}: {description}")
{
    public string ErrorClass { get; } = errorClass;
}

/// <summary>
/// The lab host's QEMU monitor (QMP): commands one at a time, events kept for whoever waits for them.
/// </summary>
public sealed class QmpClient : IAsyncDisposable
{
    private readonly LineConnection _connection;
    private readonly Channel<JsonObject> _replies = Channel.CreateUnbounded<JsonObject>();
    private readonly List<JsonObject> _events = [];
    private readonly SemaphoreSlim _oneCommand = new(1, 1);
    private readonly Task _reader;
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _eventArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private QmpClient(LineConnection connection)
    {
        _connection = connection;
        _reader = Task.Run(ReadLoopAsync);
    }

    public static async Task<QmpClient> ConnectAsync(string socketPath, CancellationToken ct)
    {
        LineConnection connection = await LineConnection.ConnectAsync(socketPath, ct);
        string greeting = await connection.ReadLineAsync(ct) ?? throw new IOException("QMP closed before its greeting");
        if (!greeting.Contains("\"QMP\"", StringComparison.Ordinal))
        {
            throw new IOException($"not a QMP greeting: {greeting}");
        }

        var client = new QmpClient(connection);
        await client.ExecuteAsync("qmp_capabilities", null, ct);
        return client;
    }

    /// <summary>Runs one command; its "return" value, or a <see cref="QmpException"/>.</summary>
    public async Task<JsonNode?> ExecuteAsync(string command, object? arguments, CancellationToken ct)
    {
        var request = new JsonObject { ["execute"] = command };
        if (arguments is not null)
        {
            request["arguments"] = JsonSerializer.SerializeToNode(arguments);
        }

        await _oneCommand.WaitAsync(ct);
        try
        {
            await _connection.WriteLineAsync(request.ToJsonString(), ct);
            JsonObject reply = await _replies.Reader.ReadAsync(ct);
            if (reply["error"] is JsonObject error)
            {
                throw new QmpException(command, (string?)error["class"] ?? "?", (string?)error["desc"] ?? "?");
            }

            return reply["return"];
        }
        finally
        {
            _oneCommand.Release();
        }
    }

    /// <summary>Waits for an event (received before or after the call) that <paramref name="match"/> accepts, and consumes it.</summary>
    public async Task<JsonObject> WaitForEventAsync(string name, Func<JsonObject, bool> match, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task arrived;
            lock (_events)
            {
                JsonObject? found = _events.FirstOrDefault(e => (string?)e["event"] == name && match(e));
                if (found is not null)
                {
                    _events.Remove(found);
                    return found;
                }

                arrived = _eventArrived.Task;
            }

            try
            {
                await arrived.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"no QMP event {name} within {timeout.TotalSeconds:0} s");
            }
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await _connection.ReadLineAsync(_stop.Token) is string line)
            {
                if (JsonNode.Parse(line) is not JsonObject message)
                {
                    continue;
                }

                if (message.ContainsKey("event"))
                {
                    lock (_events)
                    {
                        _events.Add(message);
                        _eventArrived.TrySetResult();
                        _eventArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                }
                else
                {
                    await _replies.Writer.WriteAsync(message);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or JsonException)
        {
            _replies.Writer.TryComplete(e is OperationCanceledException ? null : e);
            return;
        }

        _replies.Writer.TryComplete(new IOException("QMP connection closed (the lab host's QEMU exited?)"));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _connection.DisposeAsync();
        await _reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        _oneCommand.Dispose();
    }
}
