using System.Text.Json.Nodes;
using UsbPassd.Cli.Commands;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Tests.Integration.Cli;

/// <summary>
/// The fleet commands' parts that need no Placement: where they look for it (in the order the help
/// says), what the options make of a request, and 'placement status' from usbpassd's host.info.
/// </summary>
public sealed class FleetCliTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    private static (UsbPassd.Placement.PlacementOptions? Options, string Source, string? Problem) Resolve(
        string? cloud = null, string? url = null, string? token = null, string config = "/nonexistent/usbpassd.json", Dictionary<string, string>? env = null) =>
        PlacementTarget.Resolve(cloud, url, token, config, name => (env ?? NoEnvironment).GetValueOrDefault(name));

    [Fact]
    public void Options_come_before_the_environment_and_the_environment_before_the_daemon_s_config()
    {
        var env = new Dictionary<string, string> { ["OS_CLOUD"] = "envcloud", ["PLACEMENT_URL"] = "http://127.0.0.1:1", ["PLACEMENT_TOKEN"] = "admin" };
        Assert.Equal("optcloud", Resolve(cloud: "optcloud", env: env).Options!.Cloud);
        Assert.Equal("http://127.0.0.1:2", Resolve(url: "http://127.0.0.1:2", env: env).Options!.Endpoint);
        Assert.Equal("admin", Resolve(url: "http://127.0.0.1:2", env: env).Options!.Token); // $PLACEMENT_TOKEN for --placement-url
        Assert.Equal(("envcloud", "$OS_CLOUD"), (Resolve(env: env).Options!.Cloud, Resolve(env: env).Source));
        env.Remove("OS_CLOUD");
        Assert.Equal(("http://127.0.0.1:1", "$PLACEMENT_URL"), (Resolve(env: env).Options!.Endpoint, Resolve(env: env).Source));
    }

    [Fact]
    public void The_daemon_s_config_section_is_used_last_and_its_absence_says_what_to_pass()
    {
        string dir = Directory.CreateTempSubdirectory("usbpassctl-target-").FullName;
        try
        {
            string with = Path.Combine(dir, "with.json"), without = Path.Combine(dir, "without.json"), broken = Path.Combine(dir, "broken.json");
            File.WriteAllText(with, """{ "placement": { "cloud": "mycloud", "root_provider_name": "compute-1" } }""");
            File.WriteAllText(without, """{ "libvirt_uri": "none" }""");
            File.WriteAllText(broken, "{ not json");
            Assert.Equal("mycloud", Resolve(config: with).Options!.Cloud);
            Assert.Contains($"{without} has no \"placement\" section", Resolve(config: without).Problem);
            Assert.Contains("pass --os-cloud NAME", Resolve(config: without).Problem);
            Assert.Contains("does not read as JSON", Resolve(config: broken).Problem);
            Assert.Contains("does not exist", Resolve().Problem);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void An_endpoint_without_a_token_or_over_plain_http_to_another_host_is_refused()
    {
        Assert.Contains("needs a token: --token TOKEN or $PLACEMENT_TOKEN", Resolve(url: "http://127.0.0.1:8778").Problem);
        Assert.Contains("not https and not this host", Resolve(url: "http://placement.example:8778", token: "t").Problem);
        Assert.Null(Resolve(url: "https://placement.example:8778", token: "t").Problem);
    }

    [Fact]
    public void The_options_make_the_request_and_refuse_two_models()
    {
        var request = FleetPlaceCommand.Request("S1", null, "0781:5567", ["pool"], null, "compute-1", out string? problem);
        Assert.Null(problem);
        Assert.Equal("CUSTOM_USB_0781_5567", request!.ResourceClass);
        Assert.Equal(["pool"], request.Labels);
        Assert.Null(FleetPlaceCommand.Request(null, "CUSTOM_USB_0781_5567", "0781:5567", null, null, null, out problem));
        Assert.Contains("give one", problem);
    }

    private static HostInfo Host(PlacementInfo? placement) => new()
    {
        Hostname = "kvm-07", Version = "0.1.0", Pid = 1, StartedAt = "2026-01-01T00:00:00.000Z", Libvirt = "none", Uevents = "netlink",
        DevicesByStatus = new Dictionary<string, int>(), UeventsProcessed = 0, UeventsRejected = 0, Placement = placement,
    };

    private static FakeDaemon Daemon(HostInfo host) =>
        new((method, _) => method == Methods.HostInfo ? "\"result\":" + System.Text.Json.JsonSerializer.Serialize(host, ProtocolJson.Default.HostInfo) : "\"error\":{\"code\":-32601,\"message\":\"no\"}");

    [Fact]
    public void Placement_status_shows_the_sync_and_exits_0_only_when_connected_with_nothing_pending()
    {
        using (FakeDaemon daemon = Daemon(Host(new PlacementInfo
        {
            State = "connected", Endpoint = "http://127.0.0.1:8778", RootProvider = "kvm-07", RootProviderUuid = "3f0c7a52-6d1e-4b8e-9a57-2c4d1e8b6f90",
            Providers = 3, Pending = 0, Requests = 77, LastSyncAt = "2026-01-01T00:00:01.000Z", Allocated = 1,
        })))
        {
            (int code, string text, _) = daemon.Usbpassctl("placement", "status");
            Assert.Equal(0, code);
            Assert.Equal(
                """
                Placement sync: connected
                Endpoint:       http://127.0.0.1:8778
                Root provider:  kvm-07 (3f0c7a52-6d1e-4b8e-9a57-2c4d1e8b6f90)
                Providers:      3 (1 allocated to an instance)
                Conflicts:      0
                Pending:        0 device changes
                Requests:       77
                Last sync:      2026-01-01T00:00:01.000Z

                """.Replace("\r", ""), text);
            (code, string json, _) = daemon.Usbpassctl("placement", "status", "--json");
            Assert.Equal(0, code);
            Assert.Equal("kvm-07", JsonNode.Parse(json)!["root_provider"]!.GetValue<string>());
        }

        using (FakeDaemon daemon = Daemon(Host(new PlacementInfo { State = "disconnected", Endpoint = "http://127.0.0.1:8778", Providers = 0, Pending = 4, Requests = 3, Problem = "Placement at http://127.0.0.1:8778/ is unreachable" })))
        {
            (int code, string text, _) = daemon.Usbpassctl("placement", "status");
            Assert.Equal(1, code);
            Assert.Contains("Placement sync: disconnected", text);
            Assert.Contains("Pending:        4 device changes", text);
            Assert.Contains("Problem:        Placement at http://127.0.0.1:8778/ is unreachable", text);
        }

        using (FakeDaemon daemon = Daemon(Host(null)))
        {
            (int code, string text, _) = daemon.Usbpassctl("placement", "status");
            Assert.Equal(1, code);
            Assert.Contains("Placement sync: off on kvm-07 (no \"placement\" section in usbpassd.json", text);
            (_, string json, _) = daemon.Usbpassctl("placement", "status", "--json");
            Assert.Equal("null", json.Trim());
        }
    }
}
