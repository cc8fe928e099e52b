using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace UsbPassd.Testing.Rpc;

/// <summary>
/// A hostile-but-legal client of usbpassd's socket: it pipelines, runs connections side by side,
/// floods with batches it never reads and holds connections. Used in-process by the wire tests and,
/// as <c>UsbPassd.Testing rpc-stress …</c>, under another uid (setpriv) and by the measurements.
/// </summary>
public static class RpcStress
{
    /// <summary>What a run saw: requests sent, replies that were right, and the first few wrong ones.</summary>
    public sealed record Outcome(int Sent, int Right, IReadOnlyList<string> Wrong)
    {
        public int WrongCount => Sent - Right;

        public override string ToString() =>
            $"{Sent} requests, {Right} right, {WrongCount} wrong" + (Wrong.Count == 0 ? "" : ": " + string.Join(" | ", Wrong));
    }

    public static async Task<Socket> ConnectAsync(string path, CancellationToken ct = default)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
        return s;
    }

    /// <summary>The registry ids of the live devices (the requests' expected answers).</summary>
    public static async Task<long[]> DeviceIdsAsync(string path)
    {
        using Socket s = await ConnectAsync(path);
        using var lines = new LineSource(s);
        await s.SendAsync(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":0,"method":"devices.list"}""" + "\n"));
        using JsonDocument reply = JsonDocument.Parse(await lines.NextAsync() ?? throw new EndOfStreamException("closed"));
        return [.. reply.RootElement.GetProperty("result").EnumerateArray().Select(d => d.GetProperty("id").GetInt64())];
    }

    /// <summary>
    /// <paramref name="count"/> devices.get requests back to back on one connection, written in chunks of
    /// <paramref name="chunk"/> bytes that cut lines anywhere, while the replies are read. Each reply must
    /// carry its request's id and the device asked for.
    /// </summary>
    public static async Task<Outcome> PipelineAsync(string path, long[] ids, int count, int chunk, int firstId = 0, CancellationToken ct = default)
    {
        using Socket s = await ConnectAsync(path, ct);
        var all = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            all.Append("{\"jsonrpc\":\"2.0\",\"id\":").Append(firstId + i).Append(",\"method\":\"devices.get\",\"params\":{\"id\":").Append(ids[i % ids.Length]).Append("}}\n");
        }

        byte[] bytes = Encoding.UTF8.GetBytes(all.ToString());
        Task send = SendAllAsync(s, Enumerable.Range(0, (bytes.Length + chunk - 1) / chunk)
            .Select(k => (ReadOnlyMemory<byte>)bytes.AsMemory(k * chunk, Math.Min(chunk, bytes.Length - (k * chunk)))), ct);
        using var lines = new LineSource(s);
        Outcome outcome = await ReadAllAsync(lines, count, line => IsRight(line, id => ids[(id - firstId) % ids.Length], firstId, count), line => line, ct);
        await send;
        return outcome;
    }

    /// <summary><paramref name="connections"/> connections side by side, each pipelining its share.</summary>
    public static async Task<Outcome> ConcurrentAsync(string path, long[] ids, int connections, int perConnection, int chunk, CancellationToken ct = default)
    {
        Outcome[] each = await Task.WhenAll(Enumerable.Range(0, connections)
            .Select(c => PipelineAsync(path, ids, perConnection, chunk, firstId: c * perConnection, ct)));
        return new Outcome(each.Sum(o => o.Sent), each.Sum(o => o.Right), [.. each.SelectMany(o => o.Wrong).Take(5)]);
    }

    /// <summary>
    /// Concurrent <c>policy.check</c> of one device on several connections: every verdict must equal
    /// the one a single quiet call gets.
    /// </summary>
    public static async Task<Outcome> PolicyChecksAsync(string path, string device, int connections, int perConnection, CancellationToken ct = default)
    {
        string request(int id) => "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"policy.check\",\"params\":{\"device\":\"" + device + "\"}}\n";
        string expected;
        using (Socket s = await ConnectAsync(path, ct))
        using (var lines = new LineSource(s))
        {
            await s.SendAsync(Encoding.UTF8.GetBytes(request(-1)), ct);
            expected = Verdict(await lines.NextAsync(ct) ?? "");
        }

        Outcome[] each = await Task.WhenAll(Enumerable.Range(0, connections).Select(async c =>
        {
            using Socket s = await ConnectAsync(path, ct);
            using var lines = new LineSource(s);
            Task send = SendAllAsync(s, Enumerable.Range(0, perConnection).Select(i => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(request(c * perConnection + i))), ct);
            Outcome outcome = await ReadAllAsync(lines, perConnection, line => Verdict(line) == expected, Verdict, ct);
            await send;
            return outcome;
        }));
        return new Outcome(each.Sum(o => o.Sent), each.Sum(o => o.Right), [.. each.SelectMany(o => o.Wrong).Take(5)]);
    }

    /// <summary>Opens up to <paramref name="count"/> connections and keeps the admitted ones; the refusals say why.</summary>
    public static async Task<(List<Socket> Held, List<string> Refusals)> HoldAsync(string path, int count, CancellationToken ct = default)
    {
        List<Socket> held = [];
        List<string> refusals = [];
        for (int i = 0; i < count; i++)
        {
            Socket s = await ConnectAsync(path, ct);
            var lines = new LineSource(s);
            string? reply = null;
            try
            {
                // A refused connection may be closed before this is sent: its reply is read all the same.
                await s.SendAsync(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"method":"host.info"}""" + "\n"), ct);
            }
            catch (SocketException)
            {
            }

            try
            {
                reply = await lines.NextAsync(ct);
            }
            catch (IOException)
            {
            }

            if (reply is not null && reply.Contains("\"result\"", StringComparison.Ordinal))
            {
                held.Add(s);
            }
            else
            {
                refusals.Add(reply ?? "(closed without a word)");
                s.Dispose();
            }
        }

        return (held, refusals);
    }

    /// <summary>
    /// On each of <paramref name="connections"/> connections, one batch of <paramref name="members"/>
    /// devices.list calls, never reading the replies. The sockets stay open until disposed.
    /// </summary>
    public static async Task<List<Socket>> BatchFloodAsync(string path, int connections, int members, CancellationToken ct = default)
    {
        byte[] line = DevicesListBatch(members);
        List<Socket> open = [];
        foreach (int _ in Enumerable.Range(0, connections))
        {
            Socket s = await ConnectAsync(path, ct);
            open.Add(s);
            await s.SendAsync(line, ct);
        }

        return open;
    }

    /// <summary>
    /// On each of <paramref name="connections"/> connections, full batches of devices.list pipelined for
    /// as long as the daemon reads them, never reading a reply, until <paramref name="stop"/>. Ends once
    /// every sender has stopped; the sockets are then closed.
    /// </summary>
    public static async Task SustainedBatchFloodAsync(string path, int connections, int members, CancellationToken stop)
    {
        byte[] line = DevicesListBatch(members);
        List<Socket> open = [];
        try
        {
            for (int c = 0; c < connections; c++)
            {
                open.Add(await ConnectAsync(path, CancellationToken.None));
            }

            await Task.WhenAll(open.Select(s => SendAllAsync(s, Forever(line, stop), stop)));
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            open.ForEach(s => s.Dispose());
        }
    }

    /// <summary>One line: a batch of <paramref name="members"/> devices.list requests.</summary>
    public static byte[] DevicesListBatch(int members) =>
        Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, members).Select(i => $"{{\"jsonrpc\":\"2.0\",\"id\":{i},\"method\":\"devices.list\"}}")) + "]\n");

    private static IEnumerable<ReadOnlyMemory<byte>> Forever(byte[] line, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            yield return line;
        }
    }

    // Writes every piece; a daemon that closes the connection ends it (the replies missing count as wrong).
    private static async Task SendAllAsync(Socket s, IEnumerable<ReadOnlyMemory<byte>> pieces, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            foreach (ReadOnlyMemory<byte> piece in pieces)
            {
                await s.SendAsync(piece, ct);
            }
        }
        catch (SocketException)
        {
        }
    }

    private static async Task<Outcome> ReadAllAsync(LineSource lines, int count, Func<string, bool> isRight, Func<string, string> describe, CancellationToken ct)
    {
        int right = 0;
        List<string> wrong = [];
        for (int i = 0; i < count; i++)
        {
            string? line;
            try
            {
                line = await lines.NextAsync(ct);
            }
            catch (IOException)
            {
                line = null;
            }

            if (line is null)
            {
                wrong.Add($"the connection closed after {i} replies");
                break;
            }

            if (isRight(line))
            {
                right++;
            }
            else if (wrong.Count < 5)
            {
                string said = describe(line);
                wrong.Add(said.Length > 200 ? said[..200] + "…" : said);
            }
        }

        return new Outcome(count, right, wrong);
    }

    private static bool IsRight(string line, Func<int, long> expectedDevice, int firstId, int count)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement root = doc.RootElement;
            return root.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.Number
                && id.GetInt32() is int n && n >= firstId && n < firstId + count
                && root.TryGetProperty("result", out JsonElement result)
                && result.GetProperty("id").GetInt64() == expectedDevice(n);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    // "allowed", "blocked: <reason>" or the error: what a policy.check reply decides.
    private static string Verdict(string line)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            return doc.RootElement.TryGetProperty("result", out JsonElement r)
                ? $"{r.GetProperty("verdict")}: {(r.TryGetProperty("reason", out JsonElement why) ? why.ToString() : "")}"
                : $"error: {doc.RootElement.GetProperty("error").GetProperty("message")}";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "unreadable: " + line;
        }
    }

    /// <summary>Lines from a socket (UTF-8, newline-delimited), however the bytes arrive.</summary>
    public sealed class LineSource(Socket socket) : IDisposable
    {
        private readonly StreamReader _reader = new(new NetworkStream(socket, ownsSocket: false), Encoding.UTF8);

        public async Task<string?> NextAsync(CancellationToken ct = default) => await _reader.ReadLineAsync(ct);

        public void Dispose() => _reader.Dispose();
    }
}
