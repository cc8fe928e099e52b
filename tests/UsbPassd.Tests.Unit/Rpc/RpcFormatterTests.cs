using System.Text;
using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Protocol.JsonRpc;
using UsbPassd.Protocol.Messages;
using UsbPassd.Rpc;

namespace UsbPassd.Tests.Unit.Rpc;

/// <summary>Formatting: the bytes of each kind of line the daemon writes, and what it makes of the lines it reads.</summary>
public sealed class RpcFormatterTests
{
    private static readonly HookResult Allowed = new() { Allowed = true };

    private static JsonElement Json(string text)
    {
        using JsonDocument doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    private static string Text(byte[] line) => Encoding.UTF8.GetString(line);

    [Theory]
    [InlineData("7")]
    [InlineData("-1")]
    [InlineData("0.5")]
    [InlineData("1E3")]
    [InlineData("12345678901234567890123")]
    [InlineData("\"abc\"")]
    [InlineData("\"\"")]
    [InlineData("null")]
    public void A_result_echoes_the_id_as_the_client_wrote_it(string id)
    {
        string expected = $"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":{{\"allowed\":true}}}}\n";

        Assert.Equal(expected, Text(RpcFormatter.Result(Json(id), Allowed, ProtocolJson.Default.HookResult)));
        Assert.Equal(expected, Text(RpcFormatter.RawResult(Json(id), "{\"allowed\":true}"u8.ToArray()).ToArray()));
    }

    [Fact]
    public void An_escaped_string_id_comes_back_as_the_same_string()
    {
        JsonElement id = Json("\"\\u00e9\\\"\\n\"");

        foreach (byte[] line in new[] { RpcFormatter.Result(id, Allowed, ProtocolJson.Default.HookResult), RpcFormatter.RawResult(id, "true"u8.ToArray()).ToArray() })
        {
            Assert.Single(line, b => b == (byte)'\n');
            Assert.Equal("é\"\n", Json(Text(line)).GetProperty("id").GetString());
        }
    }

    [Fact]
    public void No_id_is_null_and_no_result_is_null()
    {
        Assert.Equal("{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":null}\n", Text(RpcFormatter.Result(null, null, null)));
        Assert.Equal("{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":true}\n", Text(RpcFormatter.RawResult(null, "true"u8.ToArray()).ToArray()));
    }

    [Fact]
    public void An_error_has_code_and_message_and_data_only_when_there_is_some()
    {
        Assert.Equal(
            "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"parse error: x\"}}\n",
            Text(RpcFormatter.Error(null, ErrorCodes.ParseError, "parse error: x")));
        Assert.Equal(
            "{\"jsonrpc\":\"2.0\",\"id\":\"r-1\",\"error\":{\"code\":1008,\"message\":\"owned\",\"data\":{\"owner\":\"6f1c\",\"token\":3}}}\n",
            Text(RpcFormatter.Error(Json("\"r-1\""), new JsonRpcError { Code = ErrorCodes.DeviceOwned, Message = "owned", Data = Json("{\"owner\":\"6f1c\",\"token\":3}") })));
    }

    [Fact]
    public void A_message_is_escaped_to_one_line_and_non_ascii_stays_readable()
    {
        const string message = "serial \"K\\1\"\nline two\ttab \u0001 \u001b]0;x\u0007 é ü </b> \u2028 end";

        byte[] line = RpcFormatter.Error(Json("1"), ErrorCodes.DeviceNotFound, message);

        Assert.Single(line, b => b == (byte)'\n');
        Assert.Equal((byte)'\n', line[^1]);
        Assert.DoesNotContain(line, b => b < 0x20 && b != (byte)'\n');
        Assert.Contains("\"message\":\"serial \\\"K\\\\1\\\"\\nline two\\ttab \\u0001 \\u001B]0;x\\u0007 é ü </b> ", Text(line));
        Assert.Equal(message, Json(Text(line)).GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public void A_notification_has_a_method_and_params_and_no_id() =>
        Assert.Equal(
            "{\"jsonrpc\":\"2.0\",\"method\":\"device.added\",\"params\":{\"allowed\":true}}\n",
            Text(RpcFormatter.Notification(Methods.Notifications.DeviceAdded, Allowed, ProtocolJson.Default.HookResult)));

    [Fact]
    public void A_batch_joins_its_replies_in_order_into_one_array_line()
    {
        RpcReply whole = new(RpcFormatter.Error(Json("1"), ErrorCodes.MethodNotFound, "no"));
        RpcReply shared = RpcFormatter.RawResult(Json("2"), "[1,2]"u8.ToArray());

        Assert.Equal(
            "[{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":\"no\"}},{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":[1,2]}]\n",
            Text(RpcFormatter.Batch([whole, shared])));
    }

    [Fact]
    public void Parse_takes_a_json_value()
    {
        using JsonDocument? doc = RpcFormatter.Parse("{\"jsonrpc\":\"2.0\",\"id\":1}"u8.ToArray(), out string? error);

        Assert.NotNull(doc);
        Assert.Null(error);
    }

    [Theory]
    [InlineData("7B226A736F6E727063223A")] // {"jsonrpc":
    [InlineData("7B7D207B7D")] // {} {}
    [InlineData("FFFE")] // not UTF-8, outside a string
    [InlineData("22C32822")] // not UTF-8, inside a string (System.Text.Json would read it as a string only when asked)
    [InlineData("225C756438303022")] // "\ud800": a lone surrogate, escaped (found by fuzzing; read only when asked, too)
    [InlineData("7B225C7564666666223A317D")] // {"\udfff":1}: the same in a property name, which every TryGetProperty reads
    [InlineData("")]
    public void Parse_says_why_a_line_is_not_json(string hex)
    {
        Assert.Null(RpcFormatter.Parse(Convert.FromHexString(hex), out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Parse_refuses_nesting_past_32()
    {
        using (JsonDocument? doc = RpcFormatter.Parse(Encoding.ASCII.GetBytes(new string('[', 32) + new string(']', 32)), out _))
        {
            Assert.NotNull(doc);
        }

        Assert.Null(RpcFormatter.Parse(Encoding.ASCII.GetBytes(new string('[', 33) + new string(']', 33)), out string? error));
        Assert.Contains("depth", error, StringComparison.OrdinalIgnoreCase);
    }
}
