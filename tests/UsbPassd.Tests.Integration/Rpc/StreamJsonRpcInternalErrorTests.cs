using System.Diagnostics;
using StreamJsonRpc;
using UsbPassd.Protocol;
using UsbPassd.Protocol.JsonRpc;
using UsbPassd.Protocol.StreamJsonRpc;

namespace UsbPassd.Tests.Integration.Rpc;

/// <summary>
/// -32603 on a daemon of its own: a failure the daemon did not foresee. Provoked the way it happens on
/// a host: another program (an admin's sqlite3) holds the registry's write lock longer than the
/// daemon waits. The answer carries the request's id, so the connection goes on. Slow by nature: the
/// write gives up after SQLite's busy time-outs (up to 30 s).
/// </summary>
public sealed class StreamJsonRpcInternalErrorTests(DaemonFixture daemon) : IClassFixture<DaemonFixture>
{
    [Fact]
    public async Task A_failure_the_daemon_did_not_foresee_is_32603_and_the_connection_goes_on()
    {
        string registry = Path.Combine(daemon.Directory, "state", "registry.db");
        using Process holder = Process.Start(new ProcessStartInfo("python3", ["-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); sys.stdin.read()", registry])
        { RedirectStandardInput = true, RedirectStandardOutput = true })!;
        try
        {
            Assert.Equal("locked", await holder.StandardOutput.ReadLineAsync());
            using UsbPassdRpcConnection c = await UsbPassdRpc.AttachAsync(daemon.Socket);
            RemoteInvocationException thrown = await Assert.ThrowsAsync<RemoteInvocationException>(() => c.Proxy.DevicesReserveAsync("1-1.5.2.3", "00000000-0000-4000-8000-0000000000ee"));
            RpcException error = thrown.ToRpcException();
            Assert.Equal(ErrorCodes.InternalError, error.Code);
            Assert.StartsWith("the registry is locked by another program", error.Message, StringComparison.Ordinal); // what to do, not only SQLite's words
            Assert.Contains("database is locked", error.Message, StringComparison.Ordinal);
            Assert.Null(error.ErrorData);
            Assert.Null(c.Rpc.ErrorWithoutId);
            Assert.False(string.IsNullOrEmpty((await c.Proxy.HostInfoAsync()).Hostname)); // the same connection answers on (WAL: reads go on under the lock)
        }
        finally
        {
            holder.StandardInput.Close();
            await holder.WaitForExitAsync();
        }

        using UsbPassdRpcConnection after = await UsbPassdRpc.AttachAsync(daemon.Socket);
        Assert.Equal("reserved", (await after.Proxy.DevicesReserveAsync("1-1.5.2.3", "00000000-0000-4000-8000-0000000000ee")).State);
    }
}
