using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Rpc;

namespace UsbPassd.Tests.Integration.Rpc;

/// <summary>
/// What a read-only member (uid 65534 in the socket's group, a real other process) can take from the
/// server: never root's room, never more than its quota, never a connection it leaves idle, and never
/// rights its process gains after connecting.
/// </summary>
public sealed class ConnectionQuotaTests
{
    [Fact]
    public async Task A_read_only_member_gets_its_quota_and_root_still_gets_in()
    {
        await using var server = new InProcessServer(new RpcLimits());
        using Process holder = InProcessServer.StressAs($"{InProcessServer.ReadGid}", "hold", server.Socket, "70");
        try
        {
            string said = await FirstLineAsync(holder);
            Assert.StartsWith("held 8 of 70; refused 62", said, StringComparison.Ordinal);
            Assert.Contains("uid 65534 already has 8 connections", said, StringComparison.Ordinal);

            // Root (this process) is in a pool of its own: the modify call the hook would make is answered.
            for (int i = 0; i < 10; i++)
            {
                Assert.True((await AskAsync(server.Socket, "test.modify")).TryGetProperty("result", out _));
            }
        }
        finally
        {
            holder.StandardInput.Close();
            await holder.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Idle_connections_of_a_read_only_member_are_closed()
    {
        await using var server = new InProcessServer(new RpcLimits { IdleTimeout = TimeSpan.FromSeconds(1) });
        using Process holder = InProcessServer.StressAs($"{InProcessServer.ReadGid}", "hold", server.Socket, "3");
        try
        {
            Assert.StartsWith("held 3 of 3", await FirstLineAsync(holder), StringComparison.Ordinal);
            using Socket root = await UsbPassd.Testing.Rpc.RpcStress.ConnectAsync(server.Socket); // root's idle connection stays

            // Bounded wait, not a timing assertion: the three must go at some point after a second idle.
            for (int i = 0; i < 300 && server.Server.ConnectionCount > 1; i++)
            {
                await Task.Delay(100);
            }

            Assert.Equal(1, server.Server.ConnectionCount);
        }
        finally
        {
            holder.StandardInput.Close();
            await holder.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task A_process_that_joins_the_admin_group_after_connecting_is_judged_as_it_connected()
    {
        // The client connects as a read-only member, then (holding CAP_SETGID) adds the admin group to
        // itself: /proc/PID/status now says admin, the kernel's record of the connection does not.
        string dir = Directory.CreateTempSubdirectory("usbpassd-groups-").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        string path = Path.Combine(dir, "s.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110);
        listener.Listen(1);
        string script = $"import os, socket, sys\ns = socket.socket(socket.AF_UNIX)\ns.connect('{path}')\nos.setgroups([{InProcessServer.ReadGid}, {InProcessServer.AdminGid}])\nprint('joined', flush=True)\nsys.stdin.read()\n";
        using Process client = UsbPassd.Testing.Rpc.OtherUser.Start($"{InProcessServer.ReadGid}", mayChangeGroups: true, "/usr/bin/python3", "-c", script);
        try
        {
            using Socket accepted = await listener.AcceptAsync();
            Assert.Equal("joined", await FirstLineAsync(client));
            Assert.Contains($"{InProcessServer.AdminGid}", File.ReadAllText($"/proc/{client.Id}/status").Split('\n').First(l => l.StartsWith("Groups:", StringComparison.Ordinal)));

            PeerIdentity peer = PeerIdentity.Of(accepted);
            var policy = new AccessPolicy(InProcessServer.ReadGid, InProcessServer.AdminGid, "nogroup", "staff");
            Assert.DoesNotContain(InProcessServer.AdminGid, peer.Groups);
            Assert.NotNull(policy.Refusal(peer, Privilege.Modify, "devices.attach"));
            Assert.Null(policy.Refusal(peer, Privilege.Read, "devices.list"));
        }
        finally
        {
            client.StandardInput.Close();
            await client.WaitForExitAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<JsonElement> AskAsync(string path, string method)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(path));
        await s.SendAsync(Encoding.UTF8.GetBytes($"{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"{method}\"}}\n"));
        using var reader = new StreamReader(new NetworkStream(s, ownsSocket: false));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return JsonDocument.Parse(await reader.ReadLineAsync(cts.Token) ?? "{}").RootElement.Clone();
    }

    private static async Task<string> FirstLineAsync(Process p)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? line = await p.StandardOutput.ReadLineAsync(cts.Token);
        return line ?? $"(exited {(p.HasExited ? p.ExitCode : -1)}: {await p.StandardError.ReadToEndAsync(cts.Token)})";
    }
}
