using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// usbpassd (the JIT build) as a real process for the chaos tests: its log kept line by line, so a test
/// can tell what the operator reads and how often, and its uevents written by the test into a FIFO
/// (<c>--uevents replay:FIFO</c>), so events arrive while the chaos lasts, not only at start.
/// </summary>
internal sealed class ChaosDaemon : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _log = new();
    private readonly Process _process;
    private StreamWriter? _uevents;
    private Socket? _notify;

    private ChaosDaemon(Process process, string socket)
    {
        _process = process;
        Socket = socket;
    }

    public string Socket { get; }

    public bool Running => !_process.HasExited;

    /// <summary>Starts usbpassd and returns once it said READY=1.</summary>
    /// <param name="dir">A folder of the test's: the socket, the notify socket and the uevent FIFO go there.</param>
    /// <param name="ueventFifo">Whether uevents come from a FIFO the test writes (<see cref="SendUevent"/>); else none.</param>
    /// <param name="watchdogSeconds">systemd's WatchdogSec, for a daemon that must keep pinging; none by default.</param>
    public static async Task<ChaosDaemon> StartAsync(string dir, string sysfsRoot, string stateDir, string libvirtUri, bool ueventFifo, int? watchdogSeconds = null)
    {
        string notifyPath = Path.Combine(dir, "notify.sock");
        File.Delete(notifyPath);
        var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
        string fifo = Path.Combine(dir, "uevents.fifo");
        if (ueventFifo && !File.Exists(fifo))
        {
            using Process mk = Process.Start("mkfifo", [fifo])!;
            await mk.WaitForExitAsync();
        }

        string socket = Path.Combine(dir, "usbpassd.sock");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in (string[])[Path.Combine(AppContext.BaseDirectory, "usbpassd.dll"), "--sysfs-root", sysfsRoot, "--state-dir", stateDir,
            "--socket", socket, "--uevents", ueventFifo ? $"replay:{fifo}" : "none", "--libvirt-uri", libvirtUri, "--usb-ids", "/nonexistent/usb.ids"])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["NOTIFY_SOCKET"] = notifyPath;
        if (watchdogSeconds is int w)
        {
            psi.Environment["WATCHDOG_USEC"] = (w * 1_000_000L).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        Process process = Process.Start(psi)!;
        var daemon = new ChaosDaemon(process, socket) { _notify = notify }; // open to the end: pings are sent to it
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { daemon._log.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { daemon._log.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        byte[] buffer = new byte[4096];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (!Encoding.UTF8.GetString(buffer, 0, await notify.ReceiveAsync(buffer, SocketFlags.None, cts.Token)).Contains("READY=1", StringComparison.Ordinal))
        {
        }

        if (ueventFifo)
        {
            // Opening the FIFO for writing waits for the daemon's reader, which opened it before READY.
            daemon._uevents = new StreamWriter(new FileStream(fifo, FileMode.Open, FileAccess.Write)) { AutoFlush = true, NewLine = "\n" };
        }

        return daemon;
    }

    /// <summary>One recorded uevent line (<see cref="Uevents.RecordedUevents.Line"/>) into the daemon's source.</summary>
    public void SendUevent(string line) => (_uevents ?? throw new InvalidOperationException("started without a uevent FIFO")).WriteLine(line);

    /// <summary>The log so far, one entry a line.</summary>
    public IReadOnlyList<string> Log => [.. _log];

    /// <summary>How many log lines so far contain <paramref name="text"/>.</summary>
    public int Count(string text) => _log.Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Waits (bounded) until the log has a line with <paramref name="text"/>.</summary>
    public async Task WaitForLogAsync(string text, int seconds = 60)
    {
        var deadline = Stopwatch.StartNew();
        while (Count(text) == 0)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(seconds) || _process.HasExited)
            {
                throw new TimeoutException($"usbpassd did not log '{text}' (running: {!_process.HasExited}); its log:\n{string.Join('\n', _log)}");
            }

            await Task.Delay(100);
        }
    }

    public async Task<WireClient> ConnectAsync()
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
        return new WireClient(s);
    }

    /// <summary>One request on a new connection; the reply's root element.</summary>
    public async Task<JsonElement> CallAsync(string method, string parameters)
    {
        using WireClient c = await ConnectAsync();
        string reply = await c.AskAsync($$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{parameters}}}""");
        return JsonDocument.Parse(reply).RootElement.Clone();
    }

    /// <summary>A counter of metrics.get's text, by its name.</summary>
    public async Task<long> CounterAsync(string name)
    {
        string text = Result(await CallAsync(Protocol.Methods.MetricsGet, "{}")).GetProperty("text").GetString()!;
        return long.Parse(text.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ')[1]);
    }

    /// <summary>Batches the pipeline took: every one ends as committed events or as a refused batch.</summary>
    public async Task<long> HandledAsync() => await CounterAsync("usbpassd_uevents_total") + await CounterAsync("usbpassd_uevent_commit_failures_total");

    /// <summary>Waits (bounded, 90 s) for <paramref name="condition"/>; the timeout names it and shows the log.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        for (int i = 0; i < 900; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"waited 90 s for {what}; usbpassd's log:\n{string.Join('\n', _log)}");
    }

    public static JsonElement Result(JsonElement reply) =>
        reply.TryGetProperty("result", out JsonElement r) ? r : throw new Xunit.Sdk.XunitException($"expected a result: {reply}");

    public static JsonElement Error(JsonElement reply) =>
        reply.TryGetProperty("error", out JsonElement e) ? e : throw new Xunit.Sdk.XunitException($"expected an error: {reply}");

    /// <summary>usbpassctl (in process) against this daemon: exit code, stdout, stderr.</summary>
    public (int Code, string Out, string Err) Usbpassctl(params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        int code = UsbPassd.Cli.UsbPassctl.Run([.. args, "--socket", Socket], output, error);
        return (code, output.ToString(), error.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        _uevents?.Dispose();
        _notify?.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
