using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace UsbPassd.Tests.Integration.Placement;

/// <summary>
/// A real OpenStack Placement (Debian's python3-placement) on a free loopback port, as
/// ../shared/docs/placement-start.sh starts it: its own folder, SQLite, noauth2, or, given a
/// <see cref="KeystoneServer"/>, Keystone's tokens (keystonemiddleware checks every request's token
/// there). Installed with apt-get when missing (make deps installs it). Stop and start again keep the
/// port and the database.
/// </summary>
public sealed class PlacementServer : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("usbpassd-placement-").FullName;
    private Process? _process;

    public PlacementServer(KeystoneServer? keystone = null)
    {
        Install("/usr/bin/placement-api", "python3-placement");
        Port = FreePort();
        Admin = AdminClient(keystone?.AdminToken ?? "admin");
        File.WriteAllText(Path.Combine(_dir, "placement.conf"), $"""
            [DEFAULT]
            debug = false
            use_stderr = true
            [api]
            auth_strategy = {(keystone is null ? "noauth2" : "keystone")}
            [placement_database]
            connection = sqlite:///{_dir}/placement.db
            {keystone?.AuthTokenSection}
            """);
        Run("/usr/bin/placement-manage", "--config-file", Path.Combine(_dir, "placement.conf"), "db", "sync");
        Start();
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>An admin client at microversion 1.39 (noauth2: the token "admin"; else Keystone's admin's).</summary>
    public HttpClient Admin { get; }

    public void Start()
    {
        var psi = new ProcessStartInfo("/usr/bin/placement-api", ["--host", "127.0.0.1", "--port", Port.ToString()])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        psi.Environment["OS_PLACEMENT_CONFIG_DIR"] = _dir; // it ignores --config-file (placement.md, gotcha 1)
        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        WaitForAnswer(Url + "/", "placement-api");
    }

    /// <summary>Waits up to 30 s for <paramref name="url"/> to answer 2xx (GET, no token).</summary>
    internal static void WaitForAnswer(string url, string what)
    {
        for (int i = 0; i < 300; i++)
        {
            try
            {
                using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
                if (probe.GetAsync(url).Result.IsSuccessStatusCode)
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

        throw new InvalidOperationException($"{what} did not answer on {url} within 30 s");
    }

    /// <summary>What placement-api wrote, each line with when it came (Stopwatch ticks): its access log says when it answered what.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(long At, string Line)> Log { get; } = new();

    private void Keep(string? line)
    {
        if (line is not null)
        {
            Log.Enqueue((Stopwatch.GetTimestamp(), line));
        }
    }

    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    public async Task<JsonNode> GetAsync(string path)
    {
        HttpResponseMessage r = await Admin.GetAsync(Url + path);
        string text = await r.Content.ReadAsStringAsync();
        return r.IsSuccessStatusCode ? JsonNode.Parse(text)! : throw new InvalidOperationException($"GET {path}: {(int)r.StatusCode} {text}");
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null)
    {
        for (bool resent = false; ; resent = true)
        {
            using var request = new HttpRequestMessage(method, Url + path);
            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            }

            try
            {
                return await Admin.SendAsync(request);
            }
            catch (HttpRequestException) when (!resent)
            {
                // placement-api's one-at-a-time server, starved of CPU by a busy machine, sometimes hangs
                // up without an answer: a test's own setup call is asked once more (a write that had
                // gone through then answers 409, which the caller sees).
            }
        }
    }

    /// <summary>The children of <paramref name="rootName"/>'s provider: uuid → (name, generation).</summary>
    public async Task<Dictionary<string, JsonNode>> ChildrenAsync(string rootName)
    {
        JsonNode roots = await GetAsync("/resource_providers?name=" + Uri.EscapeDataString(rootName));
        string root = roots["resource_providers"]!.AsArray().Single()!["uuid"]!.GetValue<string>();
        JsonNode tree = await GetAsync($"/resource_providers?in_tree={root}");
        return tree["resource_providers"]!.AsArray().Where(p => p!["uuid"]!.GetValue<string>() != root)
            .ToDictionary(p => p!["uuid"]!.GetValue<string>(), p => p!);
    }

    public async Task<JsonObject> InventoriesAsync(string uuid) => (JsonObject)(await GetAsync($"/resource_providers/{uuid}/inventories"))["inventories"]!;

    public async Task<string[]> TraitsAsync(string uuid) =>
        [.. (await GetAsync($"/resource_providers/{uuid}/traits"))["traits"]!.AsArray().Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal)];

    public void Dispose()
    {
        Stop();
        Admin.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static HttpClient AdminClient(string token)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("X-Auth-Token", token);
        http.DefaultRequestHeaders.Add("OpenStack-API-Version", "placement 1.39");
        http.DefaultRequestHeaders.ConnectionClose = true; // a POST into a connection the server closed is not resent by .NET
        return http;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The Debian <paramref name="package"/> when <paramref name="executable"/> is missing (make deps installs both).</summary>
    internal static void Install(string executable, string package)
    {
        if (File.Exists(executable))
        {
            return;
        }

        Run("bash", "-c", $"apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends {package}");
    }

    /// <summary>Runs to the end; its standard output, or an exception with its standard error.</summary>
    internal static string Run(string file, params string[] arguments)
    {
        using Process p = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        Task<string> error = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({p.ExitCode}): {error.Result}");
    }
}
