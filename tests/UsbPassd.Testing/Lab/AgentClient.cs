using System.Globalization;
using System.Text;

namespace UsbPassd.Testing.Lab;

/// <summary>What a command run in the lab host returned.</summary>
public sealed record ExecResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// The command agent in the lab host (tests/lab/l1.sh), over a virtio-serial port:
/// <c>X id timeout cmd-b64 stdin-b64</c> → <c>R id exit stdout-b64 stderr-b64</c>, one at a time.
/// </summary>
public sealed class AgentClient : IAsyncDisposable
{
    private readonly LineConnection _connection;
    private readonly SemaphoreSlim _one = new(1, 1);
    private int _nextId;

    private AgentClient(LineConnection connection, string greeting)
    {
        _connection = connection;
        Greeting = greeting;
    }

    /// <summary>The agent's READY line (kernel version, seconds from boot to ready).</summary>
    public string Greeting { get; }

    public static async Task<AgentClient> ConnectAsync(string socketPath, CancellationToken ct)
    {
        LineConnection connection = await LineConnection.ConnectAsync(socketPath, ct);
        string? greeting = await connection.ReadLineAsync(ct);
        if (greeting is null || !greeting.StartsWith("READY", StringComparison.Ordinal))
        {
            await connection.DisposeAsync();
            throw new IOException($"the lab agent did not greet (got '{greeting}')");
        }

        return new AgentClient(connection, greeting);
    }

    /// <summary>Runs <paramref name="script"/> with bash in the lab host.</summary>
    public async Task<ExecResult> ExecAsync(string script, TimeSpan timeout, string? stdin, CancellationToken ct)
    {
        await _one.WaitAsync(ct);
        try
        {
            string id = (++_nextId).ToString(CultureInfo.InvariantCulture);
            string input = stdin is null ? "-" : Convert.ToBase64String(Encoding.UTF8.GetBytes(stdin));
            await _connection.WriteLineAsync($"X {id} {(int)Math.Ceiling(timeout.TotalSeconds)} {Convert.ToBase64String(Encoding.UTF8.GetBytes(script))} {input}", ct);
            while (true)
            {
                string line = await _connection.ReadLineAsync(ct) ?? throw new IOException("the lab agent closed the connection (the lab host went down?)");
                string[] f = line.Split(' ');
                if (f is ["R", _, _, _, _] && f[1] == id)
                {
                    return new ExecResult(int.Parse(f[2], CultureInfo.InvariantCulture), Decode(f[3]), Decode(f[4]));
                }

                if (f is ["E", _, ..] && f[1] == id)
                {
                    throw new IOException($"the lab agent refused the request: {line}");
                }
            }
        }
        finally
        {
            _one.Release();
        }
    }

    private static string Decode(string field) => field == "-" ? "" : Encoding.UTF8.GetString(Convert.FromBase64String(field));

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _one.Dispose();
    }
}
