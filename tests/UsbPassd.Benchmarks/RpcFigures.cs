using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using UsbPassd.Testing;

namespace UsbPassd.Benchmarks;

/// <summary>
/// Issue 5's figures: request latency and throughput on the real usbpassd socket with 1,000
/// registered devices, 1 and 16 concurrent clients, against the floor of a minimal echo server
/// on a Unix socket of the same kind (read a line, write a line).
/// </summary>
internal static class RpcFigures
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string daemonBinary)
    {
        string work = Directory.CreateTempSubdirectory("usbpassd-rpcbench-").FullName;
        try
        {
            BigTree.Write(Path.Combine(work, "sys"), 1000);
            string socket = Path.Combine(work, "usbpassd.sock");
            using Process daemon = DaemonProcess.Start(daemonBinary, "--sysfs-root", Path.Combine(work, "sys"), "--state-dir", Path.Combine(work, "state"), "--socket", socket, "--uevents", "none", "--libvirt-uri", "none");
            await DaemonProcess.WaitForSocketAsync(socket);

            string echoSocket = Path.Combine(work, "echo.sock");
            using var echo = new EchoServer(echoSocket, SmallReply);
            int listBytes = await ReplySize(socket, """{"jsonrpc":"2.0","id":1,"method":"devices.list"}""");
            string bigEchoSocket = Path.Combine(work, "echo-big.sock");
            using var bigEcho = new EchoServer(bigEchoSocket, [.. Enumerable.Repeat((byte)'x', listBytes - 1), (byte)'\n']);
            const string small = """{"jsonrpc":"2.0","id":1,"method":"devices.get","params":{"port_id":"1-5"}}""";
            const string list = """{"jsonrpc":"2.0","id":1,"method":"devices.list"}""";
            Console.WriteLine("usbpassd socket, 1,000 registered devices; each client sends a request and waits for its reply, for 5 s");
            Console.WriteLine("| request | clients | p50 ms | p99 ms | requests/s | vs echo floor (rps) |");
            Console.WriteLine("|---|---|---|---|---|---|");
            foreach (int clients in new[] { 1, 16 })
            {
                var floor = await Load(echoSocket, small, clients);
                var get = await Load(socket, small, clients);
                var bigFloor = await Load(bigEchoSocket, small, clients);
                var all = await Load(socket, list, clients);
                Row("echo server (floor), small line", clients, floor, floor);
                Row("devices.get by port_id", clients, get, floor);
                Row($"echo server (floor), a {listBytes / 1024} KiB line", clients, bigFloor, bigFloor);
                Row("devices.list, all 1,000 devices", clients, all, bigFloor);
            }

            daemon.Kill();
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void Row(string what, int clients, (double P50, double P99, double Rps) r, (double P50, double P99, double Rps) floor) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {what} | {clients} | {r.P50:0.000} | {r.P99:0.000} | {r.Rps:N0} | {r.Rps / floor.Rps:0.00}× |"));

    private static async Task<(double P50, double P99, double Rps)> Load(string socketPath, string request, int clients)
    {
        byte[] line = Encoding.UTF8.GetBytes(request + "\n");
        var latencies = new List<double>[clients];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async i =>
        {
            latencies[i] = [];
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
            using var stream = new NetworkStream(s);
            using var reader = new StreamReader(stream, Encoding.UTF8, false, 1 << 20);
            while (clock.Elapsed < Duration)
            {
                long start = Stopwatch.GetTimestamp();
                await stream.WriteAsync(line);
                _ = await reader.ReadLineAsync();
                latencies[i].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }));
        double[] all = [.. latencies.SelectMany(l => l).Order()];
        return (all[all.Length / 2], all[(int)(all.Length * 0.99)], all.Length / clock.Elapsed.TotalSeconds);
    }

    private static async Task<int> ReplySize(string socketPath, string request)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        using var stream = new NetworkStream(s);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request + "\n"));
        return Encoding.UTF8.GetByteCount(await reader.ReadLineAsync() ?? "") + 1;
    }

    private static readonly byte[] SmallReply = [.. """{"jsonrpc":"2.0","id":1,"result":{}}"""u8, (byte)'\n'];

    /// <summary>The floor: read a line, write a fixed line, nothing else.</summary>
    private sealed class EchoServer : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

        public EchoServer(string path, byte[] reply)
        {
            _listener.Bind(new UnixDomainSocketEndPoint(path));
            _listener.Listen(64);
            _ = Task.Run(async () =>
            {
                while (true)
                {
                    Socket client = await _listener.AcceptAsync();
                    _ = Task.Run(async () =>
                    {
                        using var stream = new NetworkStream(client, ownsSocket: true);
                        using var reader = new StreamReader(stream);
                        while (await reader.ReadLineAsync() is not null)
                        {
                            await stream.WriteAsync(reply);
                        }
                    });
                }
            });
        }

        public void Dispose() => _listener.Dispose();
    }
}
