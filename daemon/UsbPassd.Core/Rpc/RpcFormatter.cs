using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using UsbPassd.Protocol;
using UsbPassd.Protocol.JsonRpc;

namespace UsbPassd.Rpc;

/// <summary>Formatting: bytes of one line ⇄ JSON-RPC 2.0 messages (System.Text.Json, no reflection).</summary>
public static class RpcFormatter
{
    // Relaxed escaping: these lines go to programs and to people reading socat, never into HTML.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        SkipValidation = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Parses a line; null with the parser's message when it is not JSON.</summary>
    public static JsonDocument? Parse(ReadOnlyMemory<byte> line, out string? error)
    {
        // Text that is not UTF-8 is not JSON (RFC 8259, 8.1); System.Text.Json checks the bytes of a string
        // only when the string is read, which then threw out of the connection's read loop (a method or id)
        // or deep inside a method (a param).
        if (!System.Text.Unicode.Utf8.IsValid(line.Span))
        {
            error = "the line is not UTF-8 text";
            return null;
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            error = e.Message;
            return null;
        }

        // An escaped lone UTF-16 surrogate ("\ud800") is no text either, and passes the parser for the same
        // reason: it unescapes a string only when it is read. Then every TryGetProperty on an object with
        // such a name threw InvalidOperationException (out of the read loop), as did reading such a value.
        if (LoneSurrogateAt(line.Span) is long at)
        {
            doc.Dispose();
            error = $"the string at byte {at} escapes a lone UTF-16 surrogate (\\uD800-\\uDFFF without its pair)";
            return null;
        }

        error = null;
        return doc;
    }

    // One more pass of the reader over the line; only the escaped strings are decoded.
    private static long? LoneSurrogateAt(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 32 });
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.PropertyName or JsonTokenType.String && reader.ValueIsEscaped)
            {
                try
                {
                    _ = reader.GetString();
                }
                catch (InvalidOperationException)
                {
                    return reader.TokenStartIndex;
                }
            }
        }

        return null;
    }

    public static byte[] Result(JsonElement? id, object? result, JsonTypeInfo? info) => Write(w =>
    {
        w.WriteString("jsonrpc", "2.0");
        WriteId(w, id);
        w.WritePropertyName("result");
        if (result is null || info is null)
        {
            w.WriteNullValue();
        }
        else
        {
            JsonSerializer.Serialize(w, result, info);
        }
    });

    private static readonly byte[] ResultTail = "}\n"u8.ToArray();

    /// <summary>
    /// A result whose JSON is already made (trusted: produced by our own serializer), sent as it is
    /// after a small head: the bytes are shared, never copied (see <see cref="RpcReply"/>).
    /// </summary>
    public static RpcReply RawResult(JsonElement? id, byte[] json)
    {
        // The id is echoed as the client wrote it: the parser accepted it as a JSON string or number.
        byte[] idText = id is JsonElement e ? System.Text.Encoding.UTF8.GetBytes(e.GetRawText()) : "null"u8.ToArray();
        ReadOnlySpan<byte> start = """{"jsonrpc":"2.0","id":"""u8, middle = ""","result":"""u8;
        byte[] head = new byte[start.Length + idText.Length + middle.Length];
        start.CopyTo(head);
        idText.CopyTo(head, start.Length);
        middle.CopyTo(head.AsSpan(start.Length + idText.Length));
        return new RpcReply(head, json, ResultTail);
    }

    public static byte[] Error(JsonElement? id, JsonRpcError error) => Write(w =>
    {
        w.WriteString("jsonrpc", "2.0");
        WriteId(w, id);
        w.WritePropertyName("error");
        JsonSerializer.Serialize(w, error, ProtocolJson.Default.JsonRpcError);
    });

    public static byte[] Error(JsonElement? id, int code, string message) => Error(id, new JsonRpcError { Code = code, Message = message });

    public static byte[] Notification(string method, object payload, JsonTypeInfo info) => Write(w =>
    {
        w.WriteString("jsonrpc", "2.0");
        w.WriteString("method", method);
        w.WritePropertyName("params");
        JsonSerializer.Serialize(w, payload, info);
    });

    /// <summary>A batch response: the members' responses joined into one array line (one allocation).</summary>
    public static byte[] Batch(IReadOnlyList<RpcReply> responses)
    {
        // Each response ends with its newline: that byte becomes the ',' or the closing ']'.
        byte[] joined = new byte[1 + responses.Sum(r => r.Length) + 1];
        joined[0] = (byte)'[';
        int at = 1;
        foreach (RpcReply r in responses)
        {
            r.CopyTo(joined.AsSpan(at));
            at += r.Length;
            joined[at - 1] = (byte)',';
        }

        joined[at - 1] = (byte)']';
        joined[at] = (byte)'\n';
        return joined;
    }

    private static void WriteId(Utf8JsonWriter w, JsonElement? id)
    {
        w.WritePropertyName("id");
        if (id is JsonElement e)
        {
            e.WriteTo(w);
        }
        else
        {
            w.WriteNullValue();
        }
    }

    private static byte[] Write(Action<Utf8JsonWriter> body, int sizeHint = 256)
    {
        var buffer = new ArrayBufferWriter<byte>(sizeHint);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }
}
