using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace UsbPassd.Testing.Fleet;

/// <summary>
/// A real OpenStack Placement (Debian's python3-placement) for the fleet tests and bench, started as
/// ../shared/docs/placement-start.sh does: its own folder, SQLite, noauth2, a free loopback port, its
/// log in a file (placement-api.log) rather than a pipe, with <see cref="Workers"/> processes: Debian's
/// <c>placement-api</c> (wsgiref, one request at a time) when 1, else uwsgi (Debian's uwsgi-core and
/// uwsgi-plugin-python3) with that many processes on one SQLite file (busy timeout: writers wait).
/// </summary>
public sealed class PlacementProcess : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("usbpassd-fleet-placement-").FullName;
    private Process? _process;

    public PlacementProcess(int workers = 1)
    {
        Workers = workers;
        Run("bash", "-c", "test -x /usr/bin/placement-api || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-placement)");
        if (workers > 1)
        {
            Run("bash", "-c", "test -x /usr/bin/uwsgi-core && test -e /usr/lib/uwsgi/plugins/python3_plugin.so || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends uwsgi-core uwsgi-plugin-python3)");
        }

        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        File.WriteAllText(Path.Combine(_dir, "placement.conf"), $"""
            [DEFAULT]
            debug = false
            use_stderr = true
            [api]
            auth_strategy = noauth2
            [placement_database]
            connection = sqlite:///{_dir}/placement.db
            """);
        Run("/usr/bin/placement-manage", "--config-file", Path.Combine(_dir, "placement.conf"), "db", "sync");
        Start();
    }

    public int Workers { get; }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public string Log => Path.Combine(_dir, "placement-api.log");

    public void Start()
    {
        string command = Workers > 1
            ? $"exec /usr/bin/uwsgi-core --plugin python3 --http-socket 127.0.0.1:{Port} --wsgi-file /usr/bin/placement-api --processes {Workers} --master --lazy-apps --die-on-term --listen 128 --disable-logging"
            : $"exec /usr/bin/placement-api --host 127.0.0.1 --port {Port}";
        var psi = new ProcessStartInfo("bash", ["-c", $"{command} >>{Log} 2>&1"]) { UseShellExecute = false };
        psi.Environment["OS_PLACEMENT_CONFIG_DIR"] = _dir; // it ignores --config-file
        _process = Process.Start(psi)!;
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (int i = 0; i < 300; i++)
        {
            try
            {
                if (probe.GetAsync(Url + "/").Result.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (AggregateException)
            {
                // not listening yet
            }

            Thread.Sleep(100);
        }

        throw new InvalidOperationException($"Placement did not answer on {Url} within 30 s; see {Log}");
    }

    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Stop();
        Directory.Delete(_dir, recursive: true);
    }

    private static void Run(string file, params string[] arguments)
    {
        using Process p = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        Task<string> error = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({p.ExitCode}): {error.Result}");
        }
    }
}
