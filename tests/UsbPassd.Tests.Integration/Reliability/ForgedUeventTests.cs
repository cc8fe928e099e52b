using System.Text.Json;
using System.Text.RegularExpressions;
using UsbPassd.Protocol;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// Issue 17, part 5b (the part this machine allows): forged uevents sent to the daemon's real netlink
/// socket by userspace senders are dropped: the device they announce never appears, and the rejected
/// counter rises by one each. The udev group's senders (non-root, root but not udevd) need a host with
/// udevd, where the daemon listens there instead: the lab.
/// </summary>
public sealed partial class ForgedUeventTests(ForgedUeventFixture daemon) : IClassFixture<ForgedUeventFixture>
{
    [Theory]
    [InlineData("root", "kernel-format", 10)]
    [InlineData("root", "bad-libudev-header", 11)]
    [InlineData("65534", "kernel-format", 12)]
    public async Task A_forged_uevent_unicast_by_a_userspace_sender_is_dropped(string sender, string kind, int port)
    {
        using WireClient c = await daemon.ConnectAsync();
        JsonElement before = await HostInfoAsync(c);
        Match netlink = NetlinkPort().Match(before.GetProperty("uevents").GetString()!);
        Assert.True(netlink.Success, $"the daemon does not listen on netlink: {before}");
        long rejected = before.GetProperty("uevents_rejected").GetInt64();

        string devpath = daemon.AddUnseenDevice(port);
        ForgedUeventSender.Send(uint.Parse(netlink.Groups[1].Value), kind, devpath, sender == "root" ? null : sender);

        // Wait (bounded) for the daemon to have judged it: the counter is what says it arrived.
        long now = rejected;
        for (var until = DateTime.UtcNow.AddSeconds(30); now == rejected && DateTime.UtcNow < until; await Task.Delay(50))
        {
            now = (await HostInfoAsync(c)).GetProperty("uevents_rejected").GetInt64();
        }

        Assert.Equal(rejected + 1, now);
        string get = await c.AskAsync($$"""{"jsonrpc":"2.0","id":2,"method":"{{Methods.DevicesGet}}","params":{"port_id":"1-{{port}}"} }""");
        Assert.Equal(ErrorCodes.DeviceNotFound, JsonDocument.Parse(get).RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    private static async Task<JsonElement> HostInfoAsync(WireClient c) =>
        JsonDocument.Parse(await c.AskAsync($$"""{"jsonrpc":"2.0","id":1,"method":"{{Methods.HostInfo}}"}""")).RootElement.GetProperty("result").Clone();

    [GeneratedRegex(@"^netlink \w+ group, port (\d+)")]
    private static partial Regex NetlinkPort();
}
