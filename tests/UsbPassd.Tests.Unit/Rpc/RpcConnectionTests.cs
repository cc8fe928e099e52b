using System.Text;
using UsbPassd.Rpc;

namespace UsbPassd.Tests.Unit.Rpc;

/// <summary>
/// Framing, formatting and dispatch together, in this process: an <see cref="RpcConnection"/> with an
/// <see cref="RpcDispatcher"/> of test methods serves the daemon's end of a socket pair, a read-only
/// caller writes raw bytes on the other end and reads the raw reply lines.
/// </summary>
public sealed class RpcConnectionTests
{
    private static string Echo(string id, string device) => $"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"test.echo\",\"params\":{{\"device\":\"{device}\"}}}}";

    private static string Echoed(string id, string device) => $"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":{{\"text\":\"{device}\"}}}}";

    [Theory]
    [InlineData("7")]
    [InlineData("\"req-1\"")]
    [InlineData("null")]
    [InlineData("-2.5")]
    public async Task A_request_is_answered_with_its_id(string id)
    {
        await using var c = new ServedConnection();

        Assert.Equal(Echoed(id, "3-2"), await c.AskAsync(Echo(id, "3-2") + "\n"));
    }

    [Theory]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"test.echo\",\"params\":{\"device\":\"quiet\"}}\n", "\n")] // a notification
    [InlineData("\n\r\n\n", "\r\n")] // empty lines; CRLF ends a request as LF does
    public async Task What_asks_for_no_reply_gets_none(string first, string end)
    {
        await using var c = new ServedConnection();
        await c.SendAsync(first);

        Assert.Equal(Echoed("2", "after"), await c.AskAsync(Echo("2", "after") + end));
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"no.such"}""", """{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no method 'no.such' (methods: test.echo, test.fail, test.modify)"}}""")]
    [InlineData("""{"id":1,"method":"test.echo"}""", """{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"\"jsonrpc\" must be \"2.0\""}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1}""", """{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"\"method\" must be a string"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":{"a":1},"method":"test.echo"}""", """{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"\"id\" must be a string, a number or null"}}""")]
    [InlineData("42", """{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"a request must be a JSON object"}}""")]
    [InlineData("[]", """{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"an empty batch"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"test.echo","params":{"port":"1-2"}}""", """{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"invalid params: unknown parameter 'port' (parameters: device)"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"test.echo","params":{"device":5}}""", """{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"invalid params: parameter device has the wrong type (parameters: device)"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"test.echo","params":["1-2"]}""", """{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"params must be an object of named parameters (snake_case)"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":"f","method":"test.fail"}""", """{"jsonrpc":"2.0","id":"f","error":{"code":-32603,"message":"internal error: database is locked"}}""")]
    public async Task A_bad_request_is_answered_with_the_error_that_says_why(string request, string reply)
    {
        await using var c = new ServedConnection();

        Assert.Equal(reply, await c.AskAsync(request + "\n"));
    }

    [Fact]
    public async Task A_read_only_caller_is_refused_what_changes_ownership()
    {
        await using var c = new ServedConnection();

        Assert.Equal(
            $$$"""{"jsonrpc":"2.0","id":1,"error":{"code":1001,"message":"permission denied: uid 1000 (pid {{{Environment.ProcessId}}}) may not call test.modify, which changes device ownership; only root may (set admin_group in usbpassd.json to delegate)"}}""",
            await c.AskAsync("""{"jsonrpc":"2.0","id":1,"method":"test.modify"}""" + "\n"));
    }

    [Fact]
    public async Task A_batch_is_answered_in_order_in_one_line_without_its_notifications()
    {
        await using var c = new ServedConnection();
        string batch = $"[{Echo("1", "a")},{{\"jsonrpc\":\"2.0\",\"method\":\"test.echo\"}},{Echo("\"two\"", "b")}]\n";

        Assert.Equal($"[{Echoed("1", "a")},{Echoed("\"two\"", "b")}]", await c.AskAsync(batch));
        Assert.Equal(
            """{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"a batch of 5 requests: at most 4 per batch (send several batches, or pipeline single requests)"}}""",
            await c.AskAsync($"[{string.Join(',', Enumerable.Range(1, 5).Select(i => Echo($"{i}", "x")))}]\n"));
    }

    [Fact]
    public async Task Lines_that_are_not_json_are_answered_and_the_connection_goes_on()
    {
        await using var c = new ServedConnection();
        string? truncated = await c.AskAsync("{\"jsonrpc\":\"2.0\",\"id\":1\n");
        await c.SendAsync([(byte)'{', 0xC3, 0x28, 0xFF, (byte)'}', (byte)'\n']);
        string? notUtf8 = await c.ReplyAsync();

        Assert.StartsWith("""{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error: """, truncated);
        Assert.StartsWith("""{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error: """, notUtf8);
        Assert.Equal(Echoed("3", "ok"), await c.AskAsync(Echo("3", "ok") + "\n"));
    }

    [Fact]
    public async Task A_line_over_the_limit_is_refused_and_the_next_one_served()
    {
        await using var c = new ServedConnection();
        string tooLong = Echo("1", new string('x', ServedConnection.Limit));

        Assert.Equal(
            $$$"""{"jsonrpc":"2.0","id":null,"error":{"code":1003,"message":"message longer than {{{ServedConnection.Limit}}} bytes: refused"}}""",
            await c.AskAsync(tooLong + "\n"));
        Assert.Equal(Echoed("2", "ok"), await c.AskAsync(Echo("2", "ok") + "\n"));
    }

    [Fact]
    public async Task A_request_in_pieces_is_answered_once_whole()
    {
        await using var c = new ServedConnection();
        string request = Echo("1", "pieces") + "\n";
        await c.SendAsync(request[..10]);
        await c.SendAsync(request[10..30]);

        Assert.Equal(Echoed("1", "pieces"), await c.AskAsync(request[30..]));
    }

    [Fact]
    public async Task A_client_that_stops_sending_gets_its_replies_then_the_end()
    {
        await using var c = new ServedConnection();
        await c.SendAsync(Echo("1", "last") + "\n");
        c.EndInput();

        Assert.Equal(Echoed("1", "last"), await c.ReplyAsync());
        Assert.Null(await c.ReplyAsync());
        await c.WaitServedAsync();
    }

    [Fact]
    public async Task A_request_cut_by_the_end_of_input_is_not_run()
    {
        await using var c = new ServedConnection();
        await c.SendAsync(Echo("1", "cut"));
        c.EndInput();

        Assert.Null(await c.ReplyAsync());
        await c.WaitServedAsync();
    }

    // Not UTF-8 is not JSON (RFC 8259, 8.1), but System.Text.Json looks at the bytes of a string only when
    // it is read: a method name or a string id that was not UTF-8 threw out of RpcConnection's read loop
    // (the connection dropped unanswered, "serving a client failed" logged), a param was -32603.
    [Theory]
    [InlineData("method", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%\"}")]
    [InlineData("id", "{\"jsonrpc\":\"2.0\",\"id\":\"%\",\"method\":\"test.echo\"}")]
    [InlineData("param", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test.echo\",\"params\":{\"device\":\"%\"}}")]
    public async Task A_string_that_is_not_utf8_is_a_parse_error_and_the_connection_goes_on(string where, string request)
    {
        await using var c = new ServedConnection();
        await c.SendAsync([.. Encoding.ASCII.GetBytes(request).SelectMany<byte, byte>(b => b == '%' ? [0xC3, 0x28] : [b]), (byte)'\n']); // % as C3 28

        Assert.StartsWith("""{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error: """, await c.ReplyAsync());
        Assert.Equal(Echoed("2", where), await c.AskAsync(Echo("2", where) + "\n"));
    }

    // Found by fuzzing (tests/fuzz/rpc/regressions): an escaped lone UTF-16 surrogate ("\ud800") is valid UTF-8
    // and well-formed JSON to System.Text.Json's parser, which unescapes a string only when it is read: a
    // property name like that threw InvalidOperationException out of every TryGetProperty on its object
    // (RpcConnection's read loop, the connection dropped unanswered), a method, id or param out of the request.
    [Theory]
    [InlineData("name", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test.echo\",\"\\ud800\":1}")]
    [InlineData("method", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test.echo\\udc00\"}")]
    [InlineData("id", "{\"jsonrpc\":\"2.0\",\"id\":\"\\ud83d\",\"method\":\"test.echo\"}")]
    [InlineData("param", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test.echo\",\"params\":{\"device\":\"\\ud800x\"}}")]
    [InlineData("batch", "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test.echo\",\"\\udfff\":1}]")]
    public async Task A_lone_surrogate_escape_is_a_parse_error_and_the_connection_goes_on(string where, string request)
    {
        await using var c = new ServedConnection();
        await c.SendAsync(Encoding.ASCII.GetBytes(request + "\n"));

        Assert.StartsWith("""{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error: """, await c.ReplyAsync());
        Assert.Equal(Echoed("2", where), await c.AskAsync(Echo("2", where) + "\n"));
    }
}
