using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using UsbPassd.Testing;

namespace UsbPassd.Benchmarks;

/// <summary>
/// Issue 5's figures: request latency and throughput on the real usbpassd socket with 1,000
/// registered devices, 1 and 16 concurrent clients, against the floor of a minimal echo server
/// on a Unix socket of the same kind (read a line, write a line of the reply's size). For each
/// build given, all running at once and loaded alternately, each right after its own floor.
/// </summary>
internal static class RpcFigures
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(5);
    private const int Slices = 10;

    public static async Task<int> RunAsync(string[] daemons)
    {
        string work = Directory.CreateTempSubdirectory("usbpassd-rpcbench-").FullName;
        List<Process> running = [];
        List<EchoServer> echoes = [];
        try
        {
            BigTree.Write(Path.Combine(work, "sys"), 1000);
            string[] sockets = [.. daemons.Select((_, i) => Path.Combine(work, $"usbpassd-{i}.sock"))];
            for (int i = 0; i < daemons.Length; i++)
            {
                running.Add(DaemonProcess.Start(daemons[i], "--sysfs-root", Path.Combine(work, "sys"), "--state-dir", Path.Combine(work, $"state-{i}"), "--socket", sockets[i], "--uevents", "none", "--libvirt-uri", "none"));
            }

            foreach (string socket in sockets)
            {
                await DaemonProcess.WaitForSocketAsync(socket);
            }

            const string small = """{"jsonrpc":"2.0","id":1,"method":"devices.get","params":{"port_id":"1-5"}}""";
            const string list = """{"jsonrpc":"2.0","id":1,"method":"devices.list"}""";
            string echoSocket = Path.Combine(work, "echo.sock");
            echoes.Add(new EchoServer(echoSocket, SmallReply));
            int[] listBytes = new int[daemons.Length];
            string[] bigEchoSockets = new string[daemons.Length];
            for (int i = 0; i < daemons.Length; i++)
            {
                listBytes[i] = await ReplySize(sockets[i], list);
                bigEchoSockets[i] = Path.Combine(work, $"echo-big-{i}.sock");
                echoes.Add(new EchoServer(bigEchoSockets[i], [.. Enumerable.Repeat((byte)'x', listBytes[i] - 1), (byte)'\n']));
            }

            Console.WriteLine($"usbpassd socket, 1,000 registered devices; each client sends a request and waits for its reply, for {Duration.TotalSeconds:0} s a build, in {Slices} slices taken in turn with its floor: an echo server answering a line of the same size");
            var table = new ComparisonTable(daemons);
            table.Add("devices.list reply, bytes", "-", listBytes.Select(b => (double)b), "N0");
            foreach (int clients in new[] { 1, 16 })
            {
                string who = clients == 1 ? "1 client" : $"{clients} clients";
                var (floor, get) = await Alternately(clients, _ => (echoSocket, small), i => (sockets[i], small), daemons.Length);
                Rows(table, $"{who}, devices.get by port_id", get, floor, "-");
                var (bigFloor, all) = await Alternately(clients, i => (bigEchoSockets[i], list), i => (sockets[i], list), daemons.Length);
                Rows(table, $"{who}, devices.list, all 1,000 devices", all, bigFloor, clients == 1 ? "≤ 1.5× (issue 13)" : "-");
            }

            table.Print();
            return 0;
        }
        finally
        {
            running.ForEach(d => { d.Kill(); d.WaitForExit(); d.Dispose(); });
            echoes.ForEach(e => e.Dispose());
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Latencies and time under load, gathered over slices.</summary>
    private sealed class Load
    {
        private readonly List<double> _ms = [];
        private TimeSpan _time;

        public double P50 => Percentile(0.5);

        public double P99 => Percentile(0.99);

        public double Rps => _ms.Count / _time.TotalSeconds;

        public void Add(List<double> ms, TimeSpan time)
        {
            _ms.AddRange(ms);
            _time += time;
        }

        private double Percentile(double p)
        {
            _ms.Sort();
            return _ms[(int)(_ms.Count * p)];
        }
    }

    // Duration for each floor and each build, in slices: floor then build, for one build after another
    // (ABBA), so that the machine's other work falls on all of them alike.
    private static async Task<(Load[] Floor, Load[] Daemon)> Alternately(int clients, Func<int, (string Socket, string Request)> floorOf, Func<int, (string Socket, string Request)> daemonOf, int builds)
    {
        Load[] floor = [.. Enumerable.Range(0, builds).Select(_ => new Load())], daemon = [.. Enumerable.Range(0, builds).Select(_ => new Load())];
        for (int slice = 0; slice < Slices; slice++)
        {
            foreach (int i in ComparisonTable.Alternate(slice, builds))
            {
                await Measure(floor[i], floorOf(i), clients);
                await Measure(daemon[i], daemonOf(i), clients);
            }
        }

        return (floor, daemon);
    }

    private static void Rows(ComparisonTable table, string what, Load[] r, Load[] floor, string goalVsFloor)
    {
        table.Add($"{what}: echo floor p99, ms", "-", floor.Select(f => f.P99), "0.000");
        table.Add($"{what}: p50, ms", "-", r.Select(x => x.P50), "0.000");
        table.Add($"{what}: p99, ms", "-", r.Select(x => x.P99), "0.000");
        table.Add($"{what}: p99 ÷ echo floor p99", goalVsFloor, r.Select((x, i) => x.P99 / floor[i].P99), "0.00");
        table.Add($"{what}: requests/s", "-", r.Select(x => x.Rps), "N0");
        table.Add($"{what}: requests/s ÷ echo floor's", "-", r.Select((x, i) => x.Rps / floor[i].Rps), "0.00");
    }

    private static async Task Measure(Load into, (string Socket, string Request) target, int clients)
    {
        byte[] line = Encoding.UTF8.GetBytes(target.Request + "\n");
        var latencies = new List<double>[clients];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async i =>
        {
            latencies[i] = [];
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(target.Socket));
            using var stream = new NetworkStream(s);
            using var reader = new StreamReader(stream, Encoding.UTF8, false, 1 << 20);
            while (clock.Elapsed < Duration / Slices)
            {
                long start = Stopwatch.GetTimestamp();
                await stream.WriteAsync(line);
                _ = await reader.ReadLineAsync();
                latencies[i].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }));
        into.Add([.. latencies.SelectMany(l => l)], clock.Elapsed);
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
