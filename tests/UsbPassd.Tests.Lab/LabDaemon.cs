using System.Text.Json;
using UsbPassd.Testing.Lab;

namespace UsbPassd.Tests.Lab;

/// <summary>usbpassd running inside the lab host as root, with its own state folder and a log in the share.</summary>
public sealed class LabDaemon
{
    private readonly LabHost _lab;

    private LabDaemon(LabHost lab, string name)
    {
        _lab = lab;
        Name = name;
    }

    public string Name { get; }

    public string StateDirectory => $"/run/usbpassd-{Name}";

    public string Socket => $"{StateDirectory}/usbpassd.sock";

    public string LogPath => Path.Combine(_lab.ShareDirectory, $"usbpassd-{Name}.log");

    public string Log => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    private static string Tools => LabHost.ScriptDirectory;

    /// <summary>Starts usbpassd (debug logging, no libvirt) and returns once it logged that it is ready.</summary>
    public static async Task<LabDaemon> StartAsync(LabHost lab, string name, string extraArguments = "")
    {
        var daemon = new LabDaemon(lab, name);
        string dll = Path.Combine(AppContext.BaseDirectory, "usbpassd.dll");
        await lab.RunAsync(
            $"rm -rf {daemon.StateDirectory}; USBPASSD_DEBUG=1 setsid -f dotnet {dll} --state-dir {daemon.StateDirectory} --socket {daemon.Socket} {(extraArguments.Contains("--libvirt-uri", StringComparison.Ordinal) ? "" : "--libvirt-uri none")} {extraArguments} " +
            $"> {daemon.LogPath} 2>&1 < /dev/null");
        await daemon.WaitForLogAsync("ready:");
        return daemon;
    }

    /// <summary>The command line of <c>usbpassctl COMMAND</c> talking to this daemon, to run in the lab host.</summary>
    public string Ctl(string command) => $"dotnet {Path.Combine(AppContext.BaseDirectory, "usbpassctl.dll")} {command} --socket {Socket}";

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

    public Task StopAsync() =>
        _lab.RunAsync($"pkill -TERM -f -- '--state-dir {StateDirectory}'; for i in $(seq 100); do pgrep -f -- '--state-dir {StateDirectory}' >/dev/null || exit 0; sleep 0.1; done; exit 1");

    /// <summary>The "committed, N ms after" figures of the debug log: received → committed, per batch.</summary>
    public IReadOnlyList<double> CommitLatenciesMs() =>
        [.. Log.Split('\n').Select(l => l.IndexOf(" ms after the first was received", StringComparison.Ordinal) is int at and > 0
                ? double.Parse(l[(l.LastIndexOf(',', at) + 2)..at], System.Globalization.CultureInfo.InvariantCulture)
                : -1).Where(v => v >= 0)];

    private string Query(string where) =>
        $"sqlite3 -json {StateDirectory}/registry.db \"SELECT id, port_id, address, dev_id, status, previous_id FROM usb_devices WHERE {where} ORDER BY id\"";

    private static List<JsonElement> Parse(string json) =>
        string.IsNullOrWhiteSpace(json) ? [] : [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.Clone())];
}
