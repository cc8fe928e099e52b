using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using UsbPassd.Testing;
using UsbPassd.Tests.Integration.Libvirt;

namespace UsbPassd.Tests.Integration.Cockpit;

/// <summary>
/// A real cockpit-ws with a local session (no PAM, no login) on 127.0.0.1 and a free port, seeing
/// the built page (build/cockpit/usbpassd) through XDG_DATA_HOME and the daemon's socket through
/// an override of the page's manifest in XDG_CONFIG_DIRS, as an operator's
/// /etc/cockpit/usbpassd.override.json would. One per browser session: a local session ends 15 s
/// after its last WebSocket (shared/docs/cockpit.md).
/// </summary>
public sealed class CockpitWs : IDisposable
{
    public const string Executable = "/usr/lib/cockpit/cockpit-ws";

    private readonly Process _ws;
    private readonly string _dir;

    /// <param name="socket">The daemon's socket the page is pointed at.</param>
    /// <param name="user">Run ws and its bridge as this user (null: as the test, root).</param>
    public CockpitWs(string socket, string? user = null)
    {
        _dir = Directory.CreateTempSubdirectory("usbpassd-cockpit-").FullName;
        // Readable by the session's user: the page is copied, not linked into the worktree.
        string page = Path.Combine(_dir, "data", "cockpit", "usbpassd");
        Directory.CreateDirectory(page);
        string built = Path.Combine(Corpus.RepositoryRoot, "build", "cockpit", "usbpassd");
        if (!File.Exists(Path.Combine(built, "usbpassd.js")))
        {
            throw new InvalidOperationException($"{built} has no page: run 'make cockpit' (make test does)");
        }

        foreach (string f in Directory.GetFiles(built))
        {
            File.Copy(f, Path.Combine(page, Path.GetFileName(f)));
        }

        Directory.CreateDirectory(Path.Combine(_dir, "config", "cockpit"));
        File.WriteAllText(Path.Combine(_dir, "config", "cockpit", "usbpassd.override.json"), $$"""{ "config": { "socket": "{{socket}}" } }""");
        LocalLibvirt.Shell($"chmod -R a+rX {_dir}");

        Port = FreePort();
        string[] ws = [Executable, "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--address", "127.0.0.1", "--local-session=cockpit-bridge"];
        string[] environment = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", $"XDG_DATA_HOME={_dir}/data", $"XDG_CONFIG_DIRS={_dir}/config", "LANG=C.UTF-8"];
        // setsid: ws, its bridge and what the bridge starts (dbus-daemon, ssh-agent) share one process group, killed as one.
        string[] command = user is null
            ? ["env", "-i", .. environment, .. ws]
            : ["runuser", "-u", user, "--", "env", "-i", $"HOME=/tmp", .. environment, .. ws];
        var psi = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in command)
        {
            psi.ArgumentList.Add(a);
        }

        _ws = Process.Start(psi)!;
        _ws.BeginOutputReadLine();
        _ws.BeginErrorReadLine();
        WaitForHttp();
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private void WaitForHttp()
    {
        using var http = new HttpClient();
        for (int i = 0; i < 300; i++)
        {
            if (_ws.HasExited)
            {
                throw new InvalidOperationException($"cockpit-ws exited with {_ws.ExitCode}");
            }

            try
            {
                http.GetAsync(new Uri(Url + "/")).GetAwaiter().GetResult().Dispose();
                return;
            }
            catch (HttpRequestException)
            {
                Thread.Sleep(50);
            }
        }

        throw new TimeoutException($"cockpit-ws did not answer on {Url}");
    }

    public void Dispose()
    {
        LocalLibvirt.Shell($"kill -TERM -- -{_ws.Id} 2>/dev/null; sleep 0.2; kill -KILL -- -{_ws.Id} 2>/dev/null");
        _ws.WaitForExit();
        _ws.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
