using System.Diagnostics;
using System.Text.Json;
using UsbPassd.Protocol;

namespace UsbPassd.Tests.Integration.Rpc;

/// <summary>Exact JSON lines on the real socket of a real usbpassd (StreamJsonRpc's newline-delimited format).</summary>
public sealed class WireTests(DaemonFixture daemon) : IClassFixture<DaemonFixture>
{
    private static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement.Clone();

    private static int Code(string line) => Json(line).GetProperty("error").GetProperty("code").GetInt32();

    [Fact]
    public async Task Metrics_are_served_in_the_prometheus_text_format()
    {
        using WireClient c = await daemon.ConnectAsync();
        string text = Json(await c.AskAsync("""{"jsonrpc":"2.0","id":1,"method":"metrics.get"}""")).GetProperty("result").GetProperty("text").GetString()!;
        string[] lines = text.Split('\n');

        Assert.Contains("# TYPE usbpassd_devices gauge", lines);
        Assert.Contains("usbpassd_devices{status=\"available\"} 1", lines); // the camera; its four hubs are blocked
        Assert.Contains("usbpassd_devices{status=\"blocked\"} 4", lines);
        Assert.Contains("# TYPE usbpassd_uevent_commit_seconds histogram", lines);
        Assert.Contains("usbpassd_netlink_drops_total 0", lines);
        Assert.Contains("usbpassd_libvirt_connected 0", lines);
    }

    [Fact]
    public async Task A_request_gets_its_result_with_the_same_id()
    {
        using WireClient c = await daemon.ConnectAsync();
        JsonElement reply = Json(await c.AskAsync("""{"jsonrpc":"2.0","id":"abc","method":"devices.get","params":{"port_id":"1-1.5.2.3"}}"""));

        Assert.Equal("2.0", reply.GetProperty("jsonrpc").GetString());
        Assert.Equal("abc", reply.GetProperty("id").GetString());
        Assert.Equal("04a9:31c0:C767F1C714174C309255F70E4A7B2EE2", reply.GetProperty("result").GetProperty("dev_id").GetString());
        Assert.Equal("Canon Digital Camera", reply.GetProperty("result").GetProperty("info").GetProperty("product").GetString());
    }

    [Fact]
    public async Task A_parse_error_keeps_the_connection_usable()
    {
        using WireClient c = await daemon.ConnectAsync();
        string error = await c.AskAsync("{this is not json");
        Assert.Equal(ErrorCodes.ParseError, Code(error));
        Assert.Equal(JsonValueKind.Null, Json(error).GetProperty("id").ValueKind);

        Assert.True(Json(await c.AskAsync("""{"jsonrpc":"2.0","id":2,"method":"host.info"}""")).TryGetProperty("result", out _));
    }

    [Theory]
    [InlineData("""{"jsonrpc":"1.0","id":1,"method":"host.info"}""", ErrorCodes.InvalidRequest)]
    [InlineData("""{"id":1,"method":"host.info"}""", ErrorCodes.InvalidRequest)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":7}""", ErrorCodes.InvalidRequest)]
    [InlineData("""{"jsonrpc":"2.0","id":{"x":1},"method":"host.info"}""", ErrorCodes.InvalidRequest)]
    [InlineData("[]", ErrorCodes.InvalidRequest)]
    [InlineData("42", ErrorCodes.InvalidRequest)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"devices.destroy"}""", ErrorCodes.MethodNotFound)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"devices.list","params":{"colour":"red"}}""", ErrorCodes.InvalidParams)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"devices.list","params":[1,2]}""", ErrorCodes.InvalidParams)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"devices.get","params":{}}""", ErrorCodes.InvalidParams)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"devices.get","params":{"port_id":"9-9"}}""", ErrorCodes.DeviceNotFound)]
    public async Task Bad_requests_get_the_right_code_and_a_message(string line, int code)
    {
        using WireClient c = await daemon.ConnectAsync();
        string reply = await c.AskAsync(line);

        Assert.Equal(code, Code(reply));
        Assert.False(string.IsNullOrWhiteSpace(Json(reply).GetProperty("error").GetProperty("message").GetString()));
    }

    [Fact]
    public async Task A_batch_mixing_good_and_bad_gets_one_array_without_the_notification()
    {
        using WireClient c = await daemon.ConnectAsync();
        JsonElement batch = Json(await c.AskAsync("""[{"jsonrpc":"2.0","id":1,"method":"host.info"},{"jsonrpc":"2.0","method":"host.info"},{"jsonrpc":"2.0","id":2,"method":"nope"},{"foo":1}]"""));

        Assert.Equal(JsonValueKind.Array, batch.ValueKind);
        Assert.Equal(3, batch.GetArrayLength());
        Assert.True(batch[0].TryGetProperty("result", out _));
        Assert.Equal(ErrorCodes.MethodNotFound, batch[1].GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(ErrorCodes.InvalidRequest, batch[2].GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_notification_gets_no_reply()
    {
        using WireClient c = await daemon.ConnectAsync();
        await c.SendAsync("""{"jsonrpc":"2.0","method":"host.info"}""" + "\n" + """{"jsonrpc":"2.0","method":"nope"}""" + "\n");
        JsonElement next = Json(await c.AskAsync("""{"jsonrpc":"2.0","id":"after","method":"host.info"}"""));

        Assert.Equal("after", next.GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_10_MB_line_is_refused_without_being_kept_in_memory()
    {
        long before = daemon.Rss();
        using WireClient c = await daemon.ConnectAsync();
        await c.SendAsync(new string('a', 10 * 1024 * 1024) + "\n");

        Assert.Equal(ErrorCodes.LimitExceeded, Code(await c.ReadLineAsync()));
        Assert.True(Json(await c.AskAsync("""{"jsonrpc":"2.0","id":1,"method":"host.info"}""")).TryGetProperty("result", out _));
        long grown = daemon.Rss() - before;
        Assert.True(grown < 8 * 1024 * 1024, $"the daemon grew by {grown / 1024} KiB reading a 10 MB line");
    }

    [Fact]
    public async Task A_client_that_never_reads_does_not_block_the_others()
    {
        using WireClient greedy = await daemon.ConnectAsync();
        using var stop = new CancellationTokenSource();
        string request = """{"jsonrpc":"2.0","id":1,"method":"devices.list"}""" + "\n";
        var flood = Task.Run(async () =>
        {
            try
            {
                for (int i = 0; i < 20_000 && !stop.IsCancellationRequested; i++)
                {
                    await greedy.SendAsync(request).WaitAsync(stop.Token);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // The daemon stopped reading it (its replies fill its budget): what should happen.
            }
        });

        using WireClient polite = await daemon.ConnectAsync();
        for (int i = 0; i < 5; i++)
        {
            Assert.True(Json(await polite.AskAsync("""{"jsonrpc":"2.0","id":7,"method":"host.info"}""")).TryGetProperty("result", out _));
        }

        await stop.CancelAsync();
        await flood.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Connections_beyond_the_limit_are_told_and_closed_while_the_others_go_on()
    {
        List<WireClient> open = [];
        try
        {
            for (int i = 0; i < 64; i++)
            {
                WireClient c = await daemon.ConnectAsync();
                open.Add(c);
                await c.AskAsync("""{"jsonrpc":"2.0","id":1,"method":"host.info"}""");
            }

            using WireClient extra = await daemon.ConnectAsync();
            Assert.Equal(ErrorCodes.LimitExceeded, Code(await extra.ReadLineAsync()));
            Assert.True(Json(await open[0].AskAsync("""{"jsonrpc":"2.0","id":2,"method":"host.info"}""")).TryGetProperty("result", out _));
        }
        finally
        {
            open.ForEach(c => c.Dispose());

            // The daemon forgets closed connections asynchronously: leave only once it admits one
            // again, or the next test in this class could be the 65th.
            for (int i = 0; i < 200; i++)
            {
                using WireClient probe = await daemon.ConnectAsync();
                if (Json(await probe.AskAsync("""{"jsonrpc":"2.0","id":3,"method":"host.info"}""")).TryGetProperty("result", out _))
                {
                    break;
                }

                await Task.Delay(50);
            }
        }
    }

    [Fact]
    public void Socat_speaks_to_it_as_any_json_rpc_client_would()
    {
        string reply = Shell($"printf '%s\\n' '{{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"host.info\"}}' | socat -t 5 - UNIX-CONNECT:{daemon.Socket}");
        Assert.Equal(9, Json(reply).GetProperty("id").GetInt32());
        Assert.True(Json(reply).GetProperty("result").GetProperty("devices_by_status").GetProperty("available").GetInt32() >= 1);
    }

    [Fact]
    public void A_uid_outside_the_groups_is_refused_per_method()
    {
        // The socket is 0660 root: first open it (and its folder) to everyone, so the check that speaks is the daemon's.
        Shell($"chmod o+x {Path.GetDirectoryName(daemon.Socket)} && chmod 0666 {daemon.Socket}");
        try
        {
            string reply = Shell($"printf '%s\\n' '{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"devices.list\"}}' | setpriv --reuid=65534 --regid=65534 --clear-groups socat -t 5 - UNIX-CONNECT:{daemon.Socket}");
            Assert.Equal(ErrorCodes.PermissionDenied, Code(reply));
            Assert.Contains("uid 65534", reply, StringComparison.Ordinal);
            Assert.Contains("add the user to group usbpassd", reply, StringComparison.Ordinal);
        }
        finally
        {
            Shell($"chmod 0660 {daemon.Socket}");
        }

        string denied = Shell($"printf '%s\\n' '{{}}' | setpriv --reuid=65534 --regid=65534 --clear-groups socat -t 5 - UNIX-CONNECT:{daemon.Socket} 2>&1 || true");
        Assert.Contains("Permission denied", denied, StringComparison.Ordinal);
    }

    private static string Shell(string command)
    {
        using Process p = Process.Start(new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = true })!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output.Trim();
    }
}
