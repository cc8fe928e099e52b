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

        JsonElement[] history = [.. Json(await c.AskAsync(Request(Methods.HistoryList, $$"""{"instance":"{{Instance}}"}"""))).GetProperty("result").GetProperty("entries").EnumerateArray()];
        Assert.Equal(["refused", "claim_reserved"], history.Select(h => h.GetProperty("kind").GetString()));
        Assert.StartsWith("block: rule 3", history[0].GetProperty("detail").GetProperty("reason").GetString());
        Assert.Matches(@"^uid \d+ pid \d+ \(.+\)$", history[1].GetProperty("by").GetString());
        Assert.StartsWith("rule 1 'allow id 04a9:31c0", history[1].GetProperty("rule").GetString());

        Json(await c.AskAsync(Request(Methods.DevicesRelease, $$"""{"device":"{{Camera}}","instance_uuid":"{{Instance}}"}""")));
    }

    [Fact]
    public async Task History_is_read_in_pages_and_a_limit_over_the_cap_says_how_to_page()
    {
        using WireClient c = await daemon.ConnectAsync();
        foreach (string limit in (string[])["1001", "2147483647"])
        {
            JsonElement error = Json(await c.AskAsync(Request(Methods.HistoryList, $$"""{"limit":{{limit}}}"""))).GetProperty("error");
            Assert.Equal(ErrorCodes.InvalidParams, error.GetProperty("code").GetInt32());
            Assert.Equal("limit must be at most 1000; for more, ask again with before_id set to the next_before_id of the answer, page by page", error.GetProperty("message").GetString());
        }

        JsonElement all = Json(await c.AskAsync(Request(Methods.HistoryList, """{"limit":1000}"""))).GetProperty("result");
        long[] ids = [.. all.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("id").GetInt64())];
        Assert.Equal(JsonValueKind.Null, all.GetProperty("next_before_id").ValueKind);
        Assert.True(ids.Length >= 3, $"the recorded host gave {ids.Length} entries");

        // Two at a time from the newest back (from just past the newest above: entries added meanwhile stay out):
        // each page oldest first, the pages in turn are the whole history.
        var paged = new List<long>();
        string cursor = (ids[^1] + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        do
        {
            JsonElement page = Json(await c.AskAsync(Request(Methods.HistoryList, $$"""{"limit":2,"before_id":{{cursor}}}"""))).GetProperty("result");
            long[] entries = [.. page.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("id").GetInt64())];
            Assert.InRange(entries.Length, 1, 2);
            Assert.Equal(entries.Order(), entries);
            paged.InsertRange(0, entries);
            JsonElement next = page.GetProperty("next_before_id");
            cursor = next.ValueKind == JsonValueKind.Null ? "null" : next.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(cursor == "null" || next.GetInt64() == entries[0]);
        }
        while (cursor != "null");

        Assert.Equal(ids, paged);
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
