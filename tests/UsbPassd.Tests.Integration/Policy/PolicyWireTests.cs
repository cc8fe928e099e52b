using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Policy;

/// <summary>usbpassd started with a policy file that blocks the recorded host's camera.</summary>
public sealed class PolicyDaemonFixture : DaemonFixture
{
    public static readonly string RulesPath = Path.Combine(Path.GetTempPath(), $"usbpassd-policy-{Environment.ProcessId}.rules");

    public PolicyDaemonFixture() : base("none", "--policy-file", RulesPath) =>
        File.WriteAllText(RulesPath, "# the licence server's policy\nallow id 1d6b:* override root-hub label \"never happens: root hubs stay\"\nblock id 04a9:* label \"no cameras\"\n");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(RulesPath);
    }
}

public sealed class PolicyWireTests(PolicyDaemonFixture daemon) : IClassFixture<PolicyDaemonFixture>
{
    private const string Camera = "1-1.5.2.3";
    private const string Instance = "6f1c0a3e-0000-4000-8000-000000000007";

    private static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement.Clone();

    private static string Request(string method, string parameters = "{}") => $$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{parameters}}}""";

    [Fact]
    public async Task A_blocked_device_says_which_rule_is_refused_on_record_and_passes_after_a_reload_that_allows_it()
    {
        using WireClient c = await daemon.ConnectAsync();
        JsonElement check = Json(await c.AskAsync(Request(Methods.PolicyCheck, $$"""{"device":"{{Camera}}"}"""))).GetProperty("result");
        Assert.Equal(("blocked", false), (check.GetProperty("verdict").GetString(), check.GetProperty("allowed").GetBoolean()));
        Assert.Equal("block: rule 3 'block id 04a9:* label \"no cameras\"' (label: no cameras)", check.GetProperty("reason").GetString());
        JsonElement row = check.GetProperty("device");
        Assert.Equal("blocked", row.GetProperty("status").GetString());
        Assert.Equal("policy", row.GetProperty("info").GetProperty("ineligible_reason").GetString());
        Assert.StartsWith("rule 3", row.GetProperty("info").GetProperty("policy_rule").GetString());

        JsonElement refused = Json(await c.AskAsync(Request(Methods.DevicesReserve, $$"""{"device":"{{Camera}}","instance_uuid":"{{Instance}}"}"""))).GetProperty("error");
        Assert.Equal(ErrorCodes.NotPossible, refused.GetProperty("code").GetInt32());
        Assert.Contains("may not be passed to a VM: block: rule 3", refused.GetProperty("message").GetString());

        // A hub is refused by host safety even under 'allow id 1d6b:*'... unless the rule names the check: root hubs here.
        JsonElement rootHub = Json(await c.AskAsync(Request(Methods.PolicyCheck, """{"device":"usb1"}"""))).GetProperty("result");
        Assert.Equal("allowed", rootHub.GetProperty("verdict").GetString());
        JsonElement hub = Json(await c.AskAsync(Request(Methods.PolicyCheck, """{"device":"1-1.5"}"""))).GetProperty("result");
        Assert.Equal("refused", hub.GetProperty("verdict").GetString());

        File.WriteAllText(PolicyDaemonFixture.RulesPath, "allow id 04a9:31c0 label \"the document camera\"\n");
        JsonElement reload = Json(await c.AskAsync(Request(Methods.PolicyReload))).GetProperty("result");
        Assert.Equal(1, reload.GetProperty("rules").GetInt32());
        Assert.Contains("allow id 04a9:31c0", Json(await c.AskAsync(Request(Methods.PolicyShow))).GetProperty("result").GetProperty("text").GetString());

        JsonElement reserved = default;
        for (var until = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < until; await Task.Delay(50))
        {
            reserved = Json(await c.AskAsync(Request(Methods.DevicesReserve, $$"""{"device":"{{Camera}}","instance_uuid":"{{Instance}}"}""")));
            if (reserved.TryGetProperty("result", out _))
            {
                break;
            }
        }

        Assert.Equal("reserved", reserved.GetProperty("result").GetProperty("state").GetString());

        JsonElement[] history = [.. Json(await c.AskAsync(Request(Methods.HistoryList, $$"""{"instance":"{{Instance}}"}"""))).GetProperty("result").EnumerateArray()];
        Assert.Equal(["refused", "claim_reserved"], history.Select(h => h.GetProperty("kind").GetString()));
        Assert.StartsWith("block: rule 3", history[0].GetProperty("detail").GetProperty("reason").GetString());
        Assert.Matches(@"^uid \d+ pid \d+ \(.+\)$", history[1].GetProperty("by").GetString());
        Assert.StartsWith("rule 1 'allow id 04a9:31c0", history[1].GetProperty("rule").GetString());

        Json(await c.AskAsync(Request(Methods.DevicesRelease, $$"""{"device":"{{Camera}}","instance_uuid":"{{Instance}}"}""")));
    }

    [Fact]
    public async Task A_reload_of_a_malformed_policy_keeps_the_old_one_and_says_where_the_error_is()
    {
        using WireClient c = await daemon.ConnectAsync();
        string before = Json(await c.AskAsync(Request(Methods.PolicyShow))).GetProperty("result").GetProperty("text").GetString()!;
        string good = File.ReadAllText(PolicyDaemonFixture.RulesPath);
        File.WriteAllText(PolicyDaemonFixture.RulesPath, "allow with-interface 08:*\n");
        try
        {
            JsonElement error = Json(await c.AskAsync(Request(Methods.PolicyReload))).GetProperty("error");
            Assert.Equal(ErrorCodes.InvalidParams, error.GetProperty("code").GetInt32());
            Assert.Contains("line 1, column 22", error.GetProperty("message").GetString());
            Assert.Contains("the previous policy stays in force", error.GetProperty("message").GetString());
            Assert.Equal(before, Json(await c.AskAsync(Request(Methods.PolicyShow))).GetProperty("result").GetProperty("text").GetString());
        }
        finally
        {
            File.WriteAllText(PolicyDaemonFixture.RulesPath, good);
        }
    }
}
