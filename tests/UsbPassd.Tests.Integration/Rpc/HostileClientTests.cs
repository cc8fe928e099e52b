using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Testing.Rpc;

namespace UsbPassd.Tests.Integration.Rpc;

/// <summary>
/// The real daemon against a client that pipelines, batches, floods and runs side by side
/// (<see cref="RpcStress"/>): every answer right, memory bounded in bytes.
/// </summary>
public sealed class HostileClientTests(DaemonFixture daemon) : IClassFixture<DaemonFixture>
{
    [Fact]
    public async Task Pipelined_requests_cut_anywhere_each_get_their_own_answer()
    {
        long[] ids = await RpcStress.DeviceIdsAsync(daemon.Socket);
        RpcStress.Outcome outcome = await RpcStress.PipelineAsync(daemon.Socket, ids, count: 9_000, chunk: 997);

        Assert.True(outcome.WrongCount == 0, outcome.ToString());
    }

    [Fact]
    public async Task Ten_connections_side_by_side_each_get_their_own_answers()
    {
        long[] ids = await RpcStress.DeviceIdsAsync(daemon.Socket);
        RpcStress.Outcome outcome = await RpcStress.ConcurrentAsync(daemon.Socket, ids, connections: 10, perConnection: 1_000, chunk: 997);

        Assert.True(outcome.WrongCount == 0, outcome.ToString());
    }

    [Fact]
    public async Task Concurrent_policy_checks_all_get_the_same_verdict()
    {
        foreach (long id in await RpcStress.DeviceIdsAsync(daemon.Socket))
        {
            RpcStress.Outcome outcome = await RpcStress.PolicyChecksAsync(daemon.Socket, $"{id}", connections: 10, perConnection: 200);
            Assert.True(outcome.WrongCount == 0, $"device {id}: {outcome}");
        }
    }

    [Fact]
    public async Task A_batch_over_the_limit_is_refused_in_words()
    {
        List<Socket> open = await RpcStress.BatchFloodAsync(daemon.Socket, connections: 1, members: 19_000);
        using Socket s = open[0];
        using var lines = new RpcStress.LineSource(s);
        using JsonDocument reply = JsonDocument.Parse(await lines.NextAsync() ?? "{}");

        JsonElement error = reply.RootElement.GetProperty("error");
        Assert.Equal(ErrorCodes.InvalidRequest, error.GetProperty("code").GetInt32());
        Assert.Contains("at most 128 per batch", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batches_never_read_cost_bounded_memory_and_others_are_still_answered()
    {
        long before = daemon.Rss();
        long peak = before;

        // Four connections, each pipelining as many full batches as the daemon will take, never reading:
        // the daemon stops reading them once their replies fill their budget.
        using var stop = new CancellationTokenSource();
        Task flood = RpcStress.SustainedBatchFloodAsync(daemon.Socket, connections: 4, members: 128, stop.Token);
        try
        {
            for (int i = 0; i < 50; i++)
            {
                await Task.Delay(100);
                peak = Math.Max(peak, daemon.Rss());
            }

            using Socket polite = await RpcStress.ConnectAsync(daemon.Socket);
            using var lines = new RpcStress.LineSource(polite);
            await polite.SendAsync(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"method":"host.info"}""" + "\n"));
            Assert.Contains("\"result\"", await lines.NextAsync() ?? "", StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            await flood;
        }

        long grown = peak - before;
        Assert.True(grown < 64L * 1024 * 1024, $"the daemon grew by {grown / (1024 * 1024)} MiB under four connections of batches never read");
    }
}
