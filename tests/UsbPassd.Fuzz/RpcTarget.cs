using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Rpc;

namespace UsbPassd.Fuzz;

/// <summary>
/// The RPC server's path for one client's bytes, as <see cref="RpcConnection"/> takes it: framing
/// (<see cref="LineReader"/>), JSON parsing (<see cref="RpcFormatter.Parse"/>), batches, then the
/// dispatcher's validation, access check and params binding into the protocol's records
/// (<see cref="FuzzMethods"/>). The first input byte chooses the caller (root, the socket group, a
/// stranger) and how many bytes each read of the socket returns; the rest is what the client sent.
/// Oracles: no exception escapes, no reply is -32603 (the dispatcher's answer to an exception it did
/// not foresee), and every reply line is JSON (the formatter writes without validation).
/// </summary>
public static class RpcTarget
{
    // Small, so the fuzzer reaches the too-long path; the daemon's is 1 MiB (RpcLimits).
    private const int MaxLine = 512;

    private const uint ReadGid = 100;
    private const uint AdminGid = 200;

    private static readonly RpcLimits Limits = new();

    private static readonly PeerIdentity[] Peers =
    [
        new(1, 0, 0, new HashSet<uint>()),
        new(2, 1000, 1000, new HashSet<uint> { ReadGid }),
        new(3, 1001, 1001, new HashSet<uint>()),
        new(4, 1002, AdminGid, new HashSet<uint>()),
    ];

    private static readonly RpcDispatcher Dispatcher = FuzzMethods.Dispatcher(new AccessPolicy(ReadGid, AdminGid, "usbpassd", "usbpassd-admin"));

    public static void Run(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var context = new RpcCallContext(Peers[input[0] & 3], connection: null);
        using var stream = new ChunkedStream(input.AsMemory(1), chunk: 1 + (input[0] >> 2));
        var reader = new LineReader(stream, MaxLine);
        while (true)
        {
            var (status, line) = reader.ReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            if (status == LineReader.LineStatus.End)
            {
                return;
            }

            if (status == LineReader.LineStatus.Line && line.Length > 0)
            {
                Serve(line.ToArray(), context);
            }
        }
    }

    private static void Serve(byte[] line, RpcCallContext context)
    {
        using JsonDocument? doc = RpcFormatter.Parse(line, out string? error);
        if (doc is null)
        {
            Check(RpcFormatter.Error(null, ErrorCodes.ParseError, $"parse error: {error}"));
            return;
        }

        if (doc.RootElement.ValueKind != JsonValueKind.Array)
        {
            if (Handle(doc.RootElement, context) is RpcReply single)
            {
                Check(single.ToArray());
            }

            return;
        }

        List<RpcReply> replies = [];
        foreach (JsonElement member in doc.RootElement.EnumerateArray().Take(Limits.MaxBatchRequests))
        {
            if (Handle(member, context) is RpcReply reply)
            {
                replies.Add(reply);
            }
        }

        if (replies.Count > 0)
        {
            Check(RpcFormatter.Batch(replies));
        }
    }

    private static RpcReply? Handle(JsonElement message, RpcCallContext context) =>
        Dispatcher.HandleAsync(message, context, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    private static void Check(byte[] reply)
    {
        using JsonDocument doc = JsonDocument.Parse(reply);
        foreach (JsonElement response in doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement.EnumerateArray() : (IEnumerable<JsonElement>)[doc.RootElement])
        {
            if (response.TryGetProperty("error", out JsonElement e) && e.GetProperty("code").GetInt32() == ErrorCodes.InternalError)
            {
                throw new InvalidOperationException($"the dispatcher answered an unforeseen exception: {e.GetProperty("message").GetString()}");
            }
        }
    }
}
