using System.Text.Json;
using UsbPassd.Testing;
using UsbPassd.Testing.Lab;

namespace UsbPassd.Tests.Lab;

/// <summary>usbpassd running inside the lab host as root, with its own state folder and a log in the share.</summary>
public sealed class LabDaemon
{
    private readonly LabHost _lab;

    /// <summary>A daemon named <paramref name="name"/>, not started yet (<see cref="LabScenario.StartDaemonAsync"/> starts it).</summary>
    internal LabDaemon(LabHost lab, string name)
    {
        _lab = lab;
        Name = name;
    }

    /// <summary>The argument that connects the daemon to the lab host's libvirtd (by default it runs without libvirt).</summary>
    public const string WithLibvirt = "--libvirt-uri qemu:///system";

    public string Name { get; }

    public string StateDirectory => $"/run/usbpassd-{Name}";

    public string Socket => $"{StateDirectory}/usbpassd.sock";

    public string LogPath => Path.Combine(_lab.ShareDirectory, $"usbpassd-{Name}.log");

    public string Log => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    private static string Tools => LabHost.ScriptDirectory;

    /// <summary>Starts usbpassd (debug logging, no libvirt unless asked) on an empty state folder and returns once it logged that it is ready.</summary>
    public async Task StartAsync(string extraArguments = "")
    {
        await _lab.RunAsync($"rm -rf {StateDirectory}");
        await RestartAsync(extraArguments);
    }

    /// <summary>The daemon the lab runs: the shipped NativeAOT build (<see cref="Shipped"/>).</summary>
    private static string Command => Shipped.Usbpassd;

    /// <summary>Starts the daemon again on the state it left (after a stop or a SIGKILL); returns once it is ready.</summary>
    public async Task RestartAsync(string extraArguments = "")
    {
        await _lab.RunAsync(
            $"USBPASSD_DEBUG=1 setsid -f {Command} --state-dir {StateDirectory} --socket {Socket} {(extraArguments.Contains("--libvirt-uri", StringComparison.Ordinal) ? "" : "--libvirt-uri none")} {extraArguments} " +
            $"> {LogPath} 2>&1 < /dev/null");
        await WaitForLogAsync("ready:");
    }

    /// <summary>A JSON-RPC request line for <paramref name="method"/> (params given as a JSON object).</summary>
    public static string Request(string method, string parameters) =>
        $$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{parameters}}}""";

    /// <summary>A shell command (for the lab host) that sends one request with socat and prints the reply line.</summary>
    public string Send(string request) => $"printf '%s\\n' '{request}' | socat -t 30 - UNIX-CONNECT:{Socket}";

    /// <summary>The command line of <c>usbpassctl COMMAND</c> talking to this daemon, to run in the lab host.</summary>
    public string Ctl(string command) => $"{Shipped.Usbpassctl} {command} --socket {Socket}";

    /// <summary>Waits (inotify, bounded) until the log contains <paramref name="text"/>.</summary>
    public Task WaitForLogAsync(string text, int seconds = 60) =>
        _lab.RunAsync($"{Tools}/wait-until.sh {seconds} {_lab.ShareDirectory} -- grep -qF -- '{text}' {LogPath}", TimeSpan.FromSeconds(seconds + 10));

    /// <summary>Live registry rows as JSON objects (port_id, address, dev_id, status, previous_id, id).</summary>
    public async Task<List<JsonElement>> LiveRowsAsync() => Parse(await _lab.RunAsync(Query("deleted = 0")));

    /// <summary>Waits (inotify on the state folder, bounded) until the rows matching <paramref name="where"/> number <paramref name="count"/>.</summary>
    public async Task<List<JsonElement>> WaitForRowsAsync(string where, int count, int seconds = 60)
    {
        string check = $"test \"$(sqlite3 {StateDirectory}/registry.db \"SELECT count(*) FROM usb_devices WHERE {where}\")\" = {count}";
        await _lab.RunAsync($"{Tools}/wait-until.sh {seconds} {StateDirectory} -- bash -c '{check.Replace("'", "'\\''", StringComparison.Ordinal)}'", TimeSpan.FromSeconds(seconds + 10));
        return Parse(await _lab.RunAsync(Query(where)));
    }

    /// <summary>Sends a signal (STOP, CONT, TERM...) to the daemon process.</summary>
    public Task SignalAsync(string signal) => _lab.RunAsync($"pkill -{signal} -f -- '--state-dir {StateDirectory}'");

    /// <summary>
    /// Stops the daemon (SIGCONT first: a stopped process would hold SIGTERM); one still there after
    /// 10 s is killed, and the stop fails. Nothing to do when it is not running.
    /// </summary>
    public Task StopAsync() =>
        _lab.RunAsync(
            $"p='--state-dir {StateDirectory}'; pkill -CONT -f -- \"$p\"; pkill -TERM -f -- \"$p\"; " +
            "for i in $(seq 100); do pgrep -f -- \"$p\" >/dev/null || exit 0; sleep 0.1; done; pkill -KILL -f -- \"$p\"; echo \"usbpassd did not stop on SIGTERM: killed\" >&2; exit 1");

    /// <summary>The "committed, N ms after" figures of the debug log: received → committed, per batch.</summary>
    public IReadOnlyList<double> CommitLatenciesMs() =>
        [.. Log.Split('\n').Select(l => l.IndexOf(" ms after the first was received", StringComparison.Ordinal) is int at and > 0
                ? double.Parse(l[(l.LastIndexOf(',', at) + 2)..at], System.Globalization.CultureInfo.InvariantCulture)
                : -1).Where(v => v >= 0)];

    /// <summary>The kinds of history entries recorded for a dev_id, oldest first.</summary>
    public async Task<string[]> HistoryKindsAsync(string devId) =>
        (await _lab.RunAsync($"sqlite3 {StateDirectory}/registry.db \"SELECT kind FROM usb_device_history WHERE dev_id = '{devId}' ORDER BY id\"")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private string Query(string where) =>
        $"sqlite3 -json {StateDirectory}/registry.db \"SELECT id, port_id, address, dev_id, status, previous_id FROM usb_devices WHERE {where} ORDER BY id\"";

    private static List<JsonElement> Parse(string json) =>
        string.IsNullOrWhiteSpace(json) ? [] : [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.Clone())];
}
