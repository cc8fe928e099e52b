using System.Diagnostics;

namespace UsbPassd.Tests.Integration.Placement;

/// <summary>
/// Placement down, refusing, wrong or too old: one clear log line, local work unaffected (devices.list
/// answers, the daemon keeps running), and what was missed is caught up when Placement is back.
/// </summary>
public sealed class PlacementFailureTests : IDisposable
{
    private readonly PlacementServer _placement = new();
    private readonly RecordingProxy _proxy;

    public PlacementFailureTests() => _proxy = new RecordingProxy(_placement.Url);

    public void Dispose()
    {
        _proxy.Dispose();
        _placement.Dispose();
    }

    private static string Section(string endpoint, string token = "admin") => $$"""{ "endpoint": "{{endpoint}}", "token": "{{token}}", "root_provider_name": "ROOT" }""";

    private static async Task LocalWorkGoesOnAsync(SyncedHost host)
    {
        Assert.Equal(4, (await host.DevicesAsync()).Count);
        Assert.True(host.Running);
        System.Text.Json.Nodes.JsonNode info = (await host.AskAsync("host.info", "{}"))["result"]!["placement"]!;
        Assert.Equal("disconnected", info["state"]!.GetValue<string>());
        Assert.NotNull(info["problem"]);
    }

    [Fact]
    public async Task Placement_down_then_back_is_said_once_each_and_the_changes_made_meanwhile_are_caught_up()
    {
        using var host = new SyncedHost(Section(_placement.Url));
        host.Start();
        await host.WaitForLogAsync("placement: in sync");
        string gone = host.Uuid(SyncedHost.DevId("1-1"));

        _placement.Stop();
        await host.UnplugAsync("1-1");
        await host.PlugAsync("1-3", 5);
        await host.WaitForLogAsync("placement: lost");
        await Task.Delay(1500); // several retries while down
        await LocalWorkGoesOnAsync(host);
        _placement.Start();

        await host.WaitForLogAsync("is back after");
        Dictionary<string, System.Text.Json.Nodes.JsonNode> children = await _placement.ChildrenAsync(host.RootName);
        Assert.Contains(host.Uuid(SyncedHost.DevId("1-3")), children.Keys);
        Assert.Equal(1, (await _placement.InventoriesAsync(gone))["CUSTOM_USB_46F4_0001"]!["reserved"]!.GetValue<int>());
        Assert.Single(host.Log, l => l.Contains("placement: lost", StringComparison.Ordinal));
        Assert.Single(host.Log, l => l.Contains("is back after", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_token_placement_forbids_is_refused_with_advice_and_local_work_goes_on()
    {
        using var host = new SyncedHost(Section(_placement.Url, token: "user:project"));
        host.Start();

        string line = await host.WaitForLogAsync("placement: refused");
        Assert.Contains("403", line, StringComparison.Ordinal);
        Assert.Contains("admin token", line, StringComparison.Ordinal);
        Assert.DoesNotContain("user:project", string.Join('\n', host.Log), StringComparison.Ordinal);
        await LocalWorkGoesOnAsync(host);
    }

    [Fact]
    public async Task A_token_placement_does_not_know_is_refused_with_advice()
    {
        _proxy.StripToken = true;
        using var host = new SyncedHost(Section(_proxy.Url, token: "t0ps3cret"));
        host.Start();

        string line = await host.WaitForLogAsync("placement: refused");
        Assert.Contains("refused the token (401)", line, StringComparison.Ordinal);
        Assert.Equal(2, _proxy.Requests.Count(r => r.Status == 401)); // the first 401 renews the token once, then it is refused
        Assert.DoesNotContain("t0ps3cret", string.Join('\n', host.Log), StringComparison.Ordinal);
        await LocalWorkGoesOnAsync(host);
    }

    [Fact]
    public async Task A_placement_older_than_1_39_is_refused_naming_both_versions()
    {
        _proxy.Answer = (method, path, _) => path == "/" ? (200, """{"versions": [{"id": "v1.0", "max_version": "1.30", "min_version": "1.0", "status": "CURRENT"}]}""") : null;
        using var host = new SyncedHost(Section(_proxy.Url));
        host.Start();

        string line = await host.WaitForLogAsync("placement: refused");
        Assert.Contains("speaks microversions up to 1.30; usbpassd needs 1.39", line, StringComparison.Ordinal);
        Assert.Single(_proxy.Requests); // nothing written
        await LocalWorkGoesOnAsync(host);
    }

    [Theory]
    [InlineData("closed", "is unreachable")]
    [InlineData("/nothing", "does not look like Placement (GET / answered 404)")]
    public async Task A_wrong_url_is_said_with_what_to_check(string where, string message)
    {
        string endpoint = where == "closed" ? $"http://127.0.0.1:{PlacementServer.FreePort()}" : _placement.Url + where;
        using var host = new SyncedHost(Section(endpoint));
        host.Start();

        Assert.Contains(message, await host.WaitForLogAsync("placement: "), StringComparison.Ordinal);
        await LocalWorkGoesOnAsync(host);
    }

    [Theory]
    [InlineData("""{ "endpoint": "http://placement.example.org:8778", "token": "admin" }""", "is not https and not this host")]
    [InlineData("""{ "cloud": "c", "endpoint": "https://p", "token": "admin" }""", "not both or neither")]
    public void A_section_that_would_leak_the_token_or_is_incomplete_stops_the_start(string section, string message)
    {
        using var host = new SyncedHost(section);
        host.Start();
        host.WaitForExit();

        Assert.Contains(message, string.Join('\n', host.Log), StringComparison.Ordinal);
    }
}
