using System.Diagnostics;
using System.Text.Json.Nodes;

namespace UsbPassd.Tests.Integration.Placement;

/// <summary>
/// A real OpenStack Keystone (Debian's python3-keystone, Zed) on a free loopback port: its own folder,
/// SQLite, Fernet tokens, served by the package's keystone-wsgi-public (wsgiref, one request at a time).
/// Bootstrapped with an admin user and project and region RegionOne; <see cref="User"/> is the service
/// user a daemon's clouds.yaml names (admin role on project "service", which Placement's policy wants).
/// Placement's catalog entry is added once its URL is known (<see cref="AddPlacementAsync"/>).
/// </summary>
public sealed class KeystoneServer : IDisposable
{
    public const string User = "placement";
    public const string Password = "pl4cement-pw";
    public const string Project = "service";
    private const string AdminPassword = "adm1n-pw";

    private readonly string _dir = Directory.CreateTempSubdirectory("usbpassd-keystone-").FullName;
    // Connection: close on every request: wsgiref closes after each answer anyway, and a POST into a pooled
    // connection it had closed fails "the response ended prematurely" (.NET resends only GETs).
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30), DefaultRequestHeaders = { ConnectionClose = true } };
    private Process? _process;

    public KeystoneServer()
    {
        PlacementServer.Install("/usr/bin/keystone-wsgi-public", "python3-keystone");
        Port = PlacementServer.FreePort();
        foreach (string keys in new[] { "fernet", "credential" })
        {
            Directory.CreateDirectory(Path.Combine(_dir, keys));
        }

        File.WriteAllText(Path.Combine(_dir, "keystone.conf"), $"""
            [DEFAULT]
            debug = false
            use_stderr = true
            [database]
            connection = sqlite:///{_dir}/keystone.db
            [fernet_tokens]
            key_repository = {_dir}/fernet
            [credential]
            key_repository = {_dir}/credential
            [token]
            provider = fernet
            """);
        try
        {
            string user = Environment.UserName;
            string group = PlacementServer.Run("id", "-gn").Trim();
            Manage("db_sync");
            WriteAheadLog();
            Manage("fernet_setup", "--keystone-user", user, "--keystone-group", group);
            Manage("credential_setup", "--keystone-user", user, "--keystone-group", group);
            Manage("bootstrap", "--bootstrap-username", "admin", "--bootstrap-password", AdminPassword, "--bootstrap-project-name", "admin",
                "--bootstrap-region-id", "RegionOne", "--bootstrap-public-url", AuthUrl);
            Start();
            AdminToken = TokenAsync("admin", AdminPassword, "admin").GetAwaiter().GetResult();
            CreateServiceUserAsync().GetAwaiter().GetResult();
        }
        catch
        {
            Dispose(); // no keystone-wsgi-public left behind by a fixture that failed
            throw;
        }
    }

    public int Port { get; }

    public string AuthUrl => $"http://127.0.0.1:{Port}/v3";

    /// <summary>A token of the bootstrap admin (admin role on project admin): also an admin token for Placement.</summary>
    public string AdminToken { get; } = "";

    /// <summary>What keystone-wsgi-public wrote (its requests, its tracebacks), for failure messages.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Log { get; } = new();

    /// <summary>Placement's [keystone_authtoken]: it validates every token here, without caching (a revoked token is refused at once).</summary>
    public string AuthTokenSection => $"""
        [keystone_authtoken]
        www_authenticate_uri = {AuthUrl}
        auth_url = {AuthUrl}
        auth_type = password
        interface = public
        username = {User}
        password = {Password}
        project_name = {Project}
        user_domain_name = Default
        project_domain_name = Default
        token_cache_time = -1
        """;

    /// <summary>A clouds.yaml naming this Keystone as cloud <paramref name="cloud"/>.</summary>
    public string CloudsYaml(string cloud, string password = Password, string region = "RegionOne") => $"""
        clouds:
          {cloud}:
            auth:
              auth_url: {AuthUrl}
              username: {User}
              password: "{password}"
              project_name: {Project}
              user_domain_name: Default
              project_domain_name: Default
            region_name: {region}
        """;

    /// <summary>
    /// The placement service in the catalog: <paramref name="url"/> as its public endpoint in RegionOne,
    /// and an internal one that answers nothing (the daemon must pick the interface clouds.yaml asks for).
    /// </summary>
    public async Task AddPlacementAsync(string url)
    {
        JsonNode service = await AdminAsync(HttpMethod.Post, "/services", new JsonObject { ["service"] = new JsonObject { ["type"] = "placement", ["name"] = "placement" } });
        string id = service["service"]!["id"]!.GetValue<string>();
        foreach ((string @interface, string at) in new[] { ("public", url), ("internal", "http://127.0.0.1:1/wrong") })
        {
            await AdminAsync(HttpMethod.Post, "/endpoints", new JsonObject
            {
                ["endpoint"] = new JsonObject { ["service_id"] = id, ["interface"] = @interface, ["region_id"] = "RegionOne", ["url"] = at },
            });
        }
    }

    /// <summary>POST /v3/auth/tokens, project-scoped: the X-Subject-Token.</summary>
    public async Task<string> TokenAsync(string name, string password, string project)
    {
        static JsonObject Named(string name) => new() { ["name"] = name, ["domain"] = new JsonObject { ["name"] = "Default" } };
        JsonObject user = Named(name);
        user["password"] = password;
        var body = new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject { ["methods"] = new JsonArray("password"), ["password"] = new JsonObject { ["user"] = user } },
                ["scope"] = new JsonObject { ["project"] = Named(project) },
            },
        };
        using HttpResponseMessage r = await _http.PostAsync(AuthUrl + "/auth/tokens", Json(body));
        r.EnsureSuccessStatusCode();
        return r.Headers.GetValues("X-Subject-Token").Single();
    }

    /// <summary>DELETE /v3/auth/tokens: Keystone revokes <paramref name="token"/>; Placement refuses it from then on.</summary>
    public async Task RevokeAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, AuthUrl + "/auth/tokens");
        request.Headers.Add("X-Auth-Token", AdminToken);
        request.Headers.Add("X-Subject-Token", token);
        using HttpResponseMessage r = await _http.SendAsync(request);
        r.EnsureSuccessStatusCode();
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process?.Dispose();
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private void Start()
    {
        var psi = new ProcessStartInfo("/usr/bin/keystone-wsgi-public", ["--host", "127.0.0.1", "--port", Port.ToString()])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        psi.Environment["OS_KEYSTONE_CONFIG_DIR"] = _dir; // as Placement: the app reads $OS_KEYSTONE_CONFIG_DIR/keystone.conf
        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        PlacementServer.WaitForAnswer(AuthUrl, "keystone-wsgi-public");
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            Log.Enqueue(line);
        }
    }

    // Keystone writes some rows (an endpoint) while another of its sessions still reads: in SQLite's
    // default rollback journal that commit waits for the reader and fails "database is locked"; a
    // write-ahead log lets readers and the one writer go on together (the mode stays with the file).
    private void WriteAheadLog()
    {
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_dir}/keystone.db;Pooling=False");
        db.Open();
        using Microsoft.Data.Sqlite.SqliteCommand wal = db.CreateCommand();
        wal.CommandText = "PRAGMA journal_mode=WAL";
        wal.ExecuteScalar();
    }

    private void Manage(params string[] arguments) =>
        PlacementServer.Run("/usr/bin/keystone-manage", ["--config-file", Path.Combine(_dir, "keystone.conf"), .. arguments]);

    // Project "service", user "placement" in it with the admin role: what a deployment gives Placement's service user.
    private async Task CreateServiceUserAsync()
    {
        string project = (await AdminAsync(HttpMethod.Post, "/projects", new JsonObject { ["project"] = new JsonObject { ["name"] = Project, ["domain_id"] = "default" } }))["project"]!["id"]!.GetValue<string>();
        string user = (await AdminAsync(HttpMethod.Post, "/users", new JsonObject { ["user"] = new JsonObject { ["name"] = User, ["domain_id"] = "default", ["password"] = Password } }))["user"]!["id"]!.GetValue<string>();
        string role = (await AdminAsync(HttpMethod.Get, "/roles?name=admin", null))["roles"]![0]!["id"]!.GetValue<string>();
        await AdminAsync(HttpMethod.Put, $"/projects/{project}/users/{user}/roles/{role}", null);
    }

    // With a Content-Length: wsgiref reads no chunked body.
    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    private async Task<JsonNode> AdminAsync(HttpMethod method, string path, JsonNode? body)
    {
        using var request = new HttpRequestMessage(method, AuthUrl + path);
        request.Headers.Add("X-Auth-Token", AdminToken);
        if (body is not null)
        {
            request.Content = Json(body);
        }

        using HttpResponseMessage r = await _http.SendAsync(request);
        string text = await r.Content.ReadAsStringAsync();
        return r.IsSuccessStatusCode
            ? (text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!)
            : throw new InvalidOperationException($"Keystone {method} {path}: {(int)r.StatusCode} {text}\n{string.Join('\n', Log.TakeLast(30))}");
    }
}
