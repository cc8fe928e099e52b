using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using UsbPassd.Testing;
using UsbPassd.Testing.Rpc;

namespace UsbPassd.Benchmarks;

/// <summary>
/// Issue 12's figures, for each daemon given (so a build from before the fix and one after compare in
/// one run): memory under a flood of batches never read, root's host.info while another uid holds every
/// connection it can, and wrong answers in 100,000 pipelined and concurrent requests.
/// </summary>
internal static class HostileFigures
{
    public static async Task<int> RunAsync(string[] daemons)
    {
        Console.WriteLine("usbpassd under a hostile read-only client; 50 recorded devices, --libvirt-uri none, socket group nogroup");
        Console.WriteLine("| daemon | RSS idle MiB | RSS peak in flood MiB | growth MiB | RSS after MiB | root host.info p50/p99 ms idle | held by uid 65534 | root p50/p99 ms then | ratio p99 | wrong in 100,000 | policy.check wrong |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (string binary in daemons)
        {
            await MeasureAsync(binary);
        }

        return 0;
    }

    // Each figure on a daemon of its own, so one attack's aftermath never shows in the next figure.
    private static async Task MeasureAsync(string binary)
    {
        var (idle, peak, after) = await WithDaemonAsync(binary, async (socket, pid) =>
        {
            double before = DaemonProcess.Mib(pid, "VmRSS");
            var (top, left) = await FloodAsync(socket, pid);
            return (before, top, left);
        });
        var (quiet, held, loaded) = await WithDaemonAsync(binary, async (socket, _) =>
        {
            var alone = await RootLatencyAsync(socket);
            var (count, root) = await WhileHeldAsync(socket);
            return (alone, count, root);
        });
        var (wrong, policy) = await WithDaemonAsync(binary, async (socket, _) =>
        {
            long[] ids = await RpcStress.DeviceIdsAsync(socket);
            RpcStress.Outcome pipelined = await RpcStress.PipelineAsync(socket, ids, 50_000, 997);
            RpcStress.Outcome concurrent = await RpcStress.ConcurrentAsync(socket, ids, 10, 5_000, 997);
            return (pipelined.WrongCount + concurrent.WrongCount, await RpcStress.PolicyChecksAsync(socket, $"{ids[^1]}", 10, 1_000));
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {Path.GetFileName(Path.GetDirectoryName(binary))}/{Path.GetFileName(binary)} | {idle:0} | {peak:0} | {peak - idle:0} | {after:0} | {quiet.P50:0.00}/{quiet.P99:0.00} | {held} | " +
            $"{(loaded is { } l ? $"{l.P50:0.00}/{l.P99:0.00}" : "no answer")} | {(loaded is { } r ? $"{r.P99 / quiet.P99:0.0}×" : "-")} | " +
            $"{wrong} | {policy.WrongCount} of {policy.Sent} |"));
    }

    private static async Task<T> WithDaemonAsync<T>(string binary, Func<string, int, Task<T>> measure)
    {
        string work = Directory.CreateTempSubdirectory("usbpassd-hostile-").FullName;
        File.SetUnixFileMode(work, (UnixFileMode)0b111_101_101);
        try
        {
            BigTree.Write(Path.Combine(work, "sys"), 50);
            string socket = Path.Combine(work, "usbpassd.sock");
            string config = Path.Combine(work, "usbpassd.json");
            File.WriteAllText(config, """{"socket_group": "nogroup"}""");
            using Process daemon = DaemonProcess.Start(binary, "--config", config, "--sysfs-root", Path.Combine(work, "sys"), "--state-dir", Path.Combine(work, "state"), "--socket", socket, "--uevents", "none", "--libvirt-uri", "none");
            await DaemonProcess.WaitForSocketAsync(socket);
            await Task.Delay(1000);
            try
            {
                return await measure(socket, daemon.Id);
            }
            finally
            {
                daemon.Kill();
                await daemon.WaitForExitAsync();
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // Four connections each send one ~1 MiB batch of devices.list, then four more pipeline full
    // batches; none reads. Peak RSS over 20 s, then RSS 5 s after they all left.
    private static async Task<(double Peak, double After)> FloodAsync(string socket, int pid)
    {
        List<Socket> open = await RpcStress.BatchFloodAsync(socket, connections: 4, members: 19_000);
        using var stop = new CancellationTokenSource();
        Task flood = RpcStress.SustainedBatchFloodAsync(socket, connections: 4, members: 128, stop.Token);
        double peak = 0;
        for (int i = 0; i < 100; i++)
        {
            await Task.Delay(200);
            peak = Math.Max(peak, DaemonProcess.Mib(pid, "VmRSS"));
        }

        await stop.CancelAsync();
        open.ForEach(s => s.Dispose());
        await flood;
        await Task.Delay(5000);
        return (peak, DaemonProcess.Mib(pid, "VmRSS"));
    }

    // uid 65534 (in the socket group) opens 70 connections through the rpc-stress tool and keeps them.
    private static async Task<(int Held, (double P50, double P99)? Root)> WhileHeldAsync(string socket)
    {
        using Process holder = OtherUser.Stress(AppContext.BaseDirectory, $"{OtherUser.Uid}", "hold", socket, "70");
        string said = await holder.StandardOutput.ReadLineAsync() ?? "held 0";
        int held = int.Parse(said.Split(' ')[1], CultureInfo.InvariantCulture);
        try
        {
            return (held, await RootLatencyAsync(socket));
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException)
        {
            return (held, null);
        }
        finally
        {
            holder.StandardInput.Close();
            await holder.WaitForExitAsync();
        }
    }

    // 200 host.info calls as root, each on a new connection (as the libvirt hook makes them).
    private static async Task<(double P50, double P99)> RootLatencyAsync(string socket)
    {
        List<double> ms = [];
        byte[] request = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"method":"host.info"}""" + "\n");
        for (int i = 0; i < 200; i++)
        {
            long start = Stopwatch.GetTimestamp();
            using Socket s = await RpcStress.ConnectAsync(socket);
            using var lines = new RpcStress.LineSource(s);
            await s.SendAsync(request);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            string reply = await lines.NextAsync(cts.Token) ?? throw new IOException("closed");
            if (!reply.Contains("\"result\"", StringComparison.Ordinal))
            {
                throw new IOException(reply);
            }

            ms.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        ms.Sort();
        return (ms[ms.Count / 2], ms[(int)(ms.Count * 0.99)]);
    }
}
