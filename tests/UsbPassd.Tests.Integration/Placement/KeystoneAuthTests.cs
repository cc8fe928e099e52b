using System.Text.Json.Nodes;

namespace UsbPassd.Tests.Integration.Placement;

/// <summary>
/// One real Keystone and one real Placement that checks every token there (keystonemiddleware, no
/// token cache), shared by the class (bootstrapping Keystone takes some 15 s). Keystone's catalog
/// names the proxy in front of Placement as its public endpoint, so the tests see each token used.
/// </summary>
public sealed class KeystoneCloud : IDisposable
{
    public KeystoneCloud()
    {
        Keystone = new KeystoneServer();
        try
        {
            Placement = new PlacementServer(Keystone);
            Proxy = new RecordingProxy(Placement.Url);
            Keystone.AddPlacementAsync(Proxy.Url).GetAwaiter().GetResult();
        }
        catch
        {
            Dispose(); // xunit does not dispose a fixture whose constructor threw
            throw;
        }
    }

    public KeystoneServer Keystone { get; }

    public PlacementServer Placement { get; } = null!;

    public RecordingProxy Proxy { get; } = null!;

    public void Dispose()
    {
        Proxy?.Dispose();
        Placement?.Dispose();
        Keystone.Dispose();
    }
}

/// <summary>
/// A "cloud" section: the daemon reads the cloud's credentials from clouds.yaml, asks Keystone for a
/// token and Placement's endpoint from the catalog, and renews the token when Placement refuses it.
/// </summary>
public sealed class KeystoneAuthTests : IClassFixture<KeystoneCloud>
{
    private const string CloudSection = """{ "cloud": "testcloud", "root_provider_name": "ROOT" }""";
    private readonly KeystoneCloud _cloud;

    public KeystoneAuthTests(KeystoneCloud cloud)
    {
        _cloud = cloud;
        _cloud.Proxy.Requests.Clear();
    }

    private RecordingProxy.Seen[] Requests => [.. _cloud.Proxy.Requests];

    private SyncedHost Host(string password = KeystoneServer.Password, string region = "RegionOne")
    {
        var host = new SyncedHost(CloudSection);
        File.WriteAllText(host.CloudsFile, _cloud.Keystone.CloudsYaml("testcloud", password, region));
        return host;
    }

    [Fact]
    public async Task Credentials_from_clouds_yaml_give_a_token_placement_accepts_and_the_public_endpoint_of_the_catalog()
    {
        using SyncedHost host = Host();
        host.Start();

        await host.WaitForLogAsync("placement: in sync with cloud:testcloud");
        Assert.Equal(2, (await _cloud.Placement.ChildrenAsync(host.RootName)).Count);
        RecordingProxy.Seen[] seen = Requests;
        Assert.NotEmpty(seen); // the public endpoint, not the internal one that answers nothing
        Assert.All(seen, r => Assert.True(r.Status < 400, $"{r.Method} {r.Path} -> {r.Status}"));
        string token = Assert.Single(seen.Select(r => r.Token).Distinct())!;
        Assert.NotEqual(_cloud.Keystone.AdminToken, token);
        string log = string.Join('\n', host.Log);
        Assert.DoesNotContain(KeystoneServer.Password, log, StringComparison.Ordinal);
        Assert.DoesNotContain(token, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_keystone_revoked_is_refused_by_placement_and_renewed_once_and_the_change_goes_through()
    {
        using SyncedHost host = Host();
        host.Start();
        await host.WaitForLogAsync("placement: in sync with cloud:testcloud");
        string first = Requests.First().Token!;
        string uuid = host.Uuid(SyncedHost.DevId("1-1"));

        await _cloud.Keystone.RevokeAsync(first);
        int before = Requests.Length;
        await host.UnplugAsync("1-1");
        await SyncedHost.EventuallyAsync(async () => (await _cloud.Placement.InventoriesAsync(uuid))["CUSTOM_USB_46F4_0001"]!["reserved"]!.GetValue<int>() == 1, "the unplugged key is unavailable");

        RecordingProxy.Seen[] after = [.. Requests.Skip(before)];
        Assert.Equal((first, 401), (after[0].Token, after[0].Status)); // Placement asked Keystone, which had revoked it
        string renewed = Assert.Single(after.Skip(1).Select(r => r.Token).Distinct())!;
        Assert.NotEqual(first, renewed);
        Assert.All(after.Skip(1), r => Assert.True(r.Status < 400, $"{r.Method} {r.Path} -> {r.Status}"));
        Assert.Equal(after[0].Path, after[1].Path); // the refused request, sent again
        Assert.DoesNotContain(host.Log, l => l.Contains("placement: refused", StringComparison.Ordinal) || l.Contains("placement: lost", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Credentials_keystone_refuses_are_said_with_advice()
    {
        using SyncedHost host = Host(password: "n0t-th3-pw");
        host.Start();

        string line = await host.WaitForLogAsync("placement: refused");
        Assert.Contains("refused the credentials of placement (401): check clouds.yaml", line, StringComparison.Ordinal);
        Assert.DoesNotContain("n0t-th3-pw", string.Join('\n', host.Log), StringComparison.Ordinal);
        Assert.Empty(Requests);
        Assert.Equal(4, (await host.DevicesAsync()).Count); // local work goes on
    }

    [Fact]
    public async Task A_region_the_catalog_has_no_placement_in_is_said()
    {
        using SyncedHost host = Host(region: "RegionTwo");
        host.Start();

        string line = await host.WaitForLogAsync("placement: "); // said as an outage (retried soon), as a wrong URL is
        Assert.Contains("Keystone's catalog has no placement endpoint (interface public, region RegionTwo)", line, StringComparison.Ordinal);
        Assert.Empty(Requests);
        JsonNode info = (await host.AskAsync("host.info", "{}"))["result"]!["placement"]!;
        Assert.Equal("disconnected", info["state"]!.GetValue<string>());
    }
}
