using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Libvirt;

/// <summary>usbpassd with the real libvirtd of this machine: a shut-off domain, its persistent definition.</summary>
public sealed class LibvirtDaemonFixture : DaemonFixture
{
    public LibvirtDaemonFixture() : base("qemu:///system") { }

    public string Domain { get; } = $"usbpassd-erp-{Environment.ProcessId}";

    public override async Task InitializeAsync()
    {
        LocalLibvirt.Define(Domain);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        LocalLibvirt.Remove(Domain);
    }
}

[Collection(LocalLibvirtGroup.Name)]
public sealed class AssignmentTests(LibvirtDaemonFixture daemon) : IClassFixture<LibvirtDaemonFixture>
{
    private const string Camera = "1-1.5.2.3";

    private static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement.Clone();

    private static string Request(string method, string parameters) => $$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{parameters}}}""";

    [Fact]
    public async Task Attach_to_a_shut_off_domain_goes_into_its_definition_then_detach_frees_it()
    {
        using WireClient c = await daemon.ConnectAsync();
        JsonElement attached = Json(await c.AskAsync(Request(Methods.DevicesAttach, $$"""{"device":"{{Camera}}","instance":"{{daemon.Domain}}"}""")));
        JsonElement result = attached.GetProperty("result");
        Assert.Equal("attached", result.GetProperty("state").GetString());
        Assert.Equal("attached", result.GetProperty("device").GetProperty("status").GetString());
        string alias = result.GetProperty("alias").GetString()!;

        string definition = LocalLibvirt.Shell($"virsh -c qemu:///system dumpxml --inactive {daemon.Domain}");
        Assert.Contains(alias, definition);
        Assert.Contains("startupPolicy='optional'", definition);
        Assert.Contains("<address bus='1' device='11'/>", definition);

        JsonElement owned = Json(await c.AskAsync(Request(Methods.InstancesDevices, $$"""{"instance":"{{daemon.Domain}}"}""")));
        Assert.Equal(Camera, owned.GetProperty("result")[0].GetProperty("port_id").GetString());

        JsonElement other = Json(await c.AskAsync(Request(Methods.DevicesReserve, $$"""{"device":"{{Camera}}","instance_uuid":"00000000-0000-4000-8000-000000000002"}""")));
        Assert.Equal(ErrorCodes.DeviceOwned, other.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("is attached by instance", other.GetProperty("error").GetProperty("message").GetString());

        JsonElement detached = Json(await c.AskAsync(Request(Methods.DevicesDetach, $$"""{"device":"{{Camera}}","instance":"{{daemon.Domain}}"}""")));
        Assert.Equal("available", detached.GetProperty("result").GetProperty("device").GetProperty("status").GetString());
        Assert.DoesNotContain(alias, LocalLibvirt.Shell($"virsh -c qemu:///system dumpxml --inactive {daemon.Domain}"));
    }

    [Fact]
    public async Task Two_instances_racing_for_one_device_exactly_one_wins_and_the_other_is_told_who()
    {
        using WireClient a = await daemon.ConnectAsync();
        using WireClient b = await daemon.ConnectAsync();
        string[] replies = await Task.WhenAll(
            a.AskAsync(Request(Methods.DevicesReserve, $$"""{"device":"{{Camera}}","instance_uuid":"00000000-0000-4000-8000-00000000000a"}""")),
            b.AskAsync(Request(Methods.DevicesReserve, $$"""{"device":"{{Camera}}","instance_uuid":"00000000-0000-4000-8000-00000000000b"}""")));

        JsonElement[] r = [.. replies.Select(Json)];
        JsonElement winner = Assert.Single(r, x => x.TryGetProperty("result", out _));
        JsonElement loser = Assert.Single(r, x => x.TryGetProperty("error", out _));
        Assert.Equal(ErrorCodes.DeviceOwned, loser.GetProperty("error").GetProperty("code").GetInt32());
        string owner = winner.GetProperty("result").GetProperty("instance_uuid").GetString()!;
        Assert.Equal(owner, loser.GetProperty("error").GetProperty("data").GetProperty("instance_uuid").GetString());
        Assert.True(winner.GetProperty("result").GetProperty("token").GetInt64() > 0);

        JsonElement released = Json(await a.AskAsync(Request(Methods.DevicesRelease, $$"""{"device":"{{Camera}}","instance_uuid":"{{owner}}"}""")));
        Assert.Equal("available", released.GetProperty("result").GetProperty("device").GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_expired_reservation_can_be_taken_over_and_the_fencing_token_grows()
    {
        using WireClient c = await daemon.ConnectAsync();
        const string device = "usb_1_11"; // the camera, by its address
        JsonElement first = Json(await c.AskAsync(Request(Methods.DevicesReserve, $$"""{"device":"{{device}}","instance_uuid":"00000000-0000-4000-8000-0000000000c1","ttl_seconds":1}""")));
        long token = first.GetProperty("result").GetProperty("token").GetInt64();
        Assert.False(string.IsNullOrEmpty(first.GetProperty("result").GetProperty("expires_at").GetString()));

        await Task.Delay(TimeSpan.FromSeconds(1.2)); // let the 1 s reservation lapse (expiry semantics, not a timing assertion)

        JsonElement second = Json(await c.AskAsync(Request(Methods.DevicesReserve, $$"""{"device":"{{device}}","instance_uuid":"00000000-0000-4000-8000-0000000000c2"}""")));
        Assert.Equal("00000000-0000-4000-8000-0000000000c2", second.GetProperty("result").GetProperty("instance_uuid").GetString());
        Assert.True(second.GetProperty("result").GetProperty("token").GetInt64() > token);

        JsonElement stale = Json(await c.AskAsync(Request(Methods.DevicesRelease, $$"""{"device":"{{device}}","instance_uuid":"00000000-0000-4000-8000-0000000000c1"}""")));
        Assert.Equal(ErrorCodes.NotPossible, stale.GetProperty("error").GetProperty("code").GetInt32());
        Json(await c.AskAsync(Request(Methods.DevicesRelease, $$"""{"device":"{{device}}","instance_uuid":"00000000-0000-4000-8000-0000000000c2"}""")));
    }

    [Fact]
    public async Task An_attach_naming_a_reservation_that_is_over_is_refused_not_served_as_if_the_device_were_free()
    {
        using WireClient c = await daemon.ConnectAsync();
        string uuid = LocalLibvirt.Shell($"virsh -q -c qemu:///system domuuid {daemon.Domain}").Trim();
        async Task<long> ReserveAsync(string ttl) =>
            Json(await c.AskAsync(Request(Methods.DevicesReserve, $$"""{"device":"{{Camera}}","instance_uuid":"{{uuid}}"{{ttl}}}"""))).GetProperty("result").GetProperty("token").GetInt64();
        async Task<JsonElement> AttachWithAsync(long token) =>
            Json(await c.AskAsync(Request(Methods.DevicesAttach, $$"""{"device":"{{Camera}}","instance":"{{daemon.Domain}}","token":{{token}}}""")));
        try
        {
            long released = await ReserveAsync("");
            Json(await c.AskAsync(Request(Methods.DevicesRelease, $$"""{"device":"{{Camera}}","instance_uuid":"{{uuid}}"}""")));
            JsonElement afterRelease = await AttachWithAsync(released);
            Assert.True(afterRelease.TryGetProperty("error", out JsonElement e1), afterRelease.ToString());
            Assert.Equal(ErrorCodes.NotPossible, e1.GetProperty("code").GetInt32());
            Assert.Contains($"with token {released} no longer exists", e1.GetProperty("message").GetString());

            long lapsed = await ReserveAsync(""","ttl_seconds":1""");
            await Task.Delay(TimeSpan.FromSeconds(1.2)); // let the 1 s reservation lapse (expiry semantics, not a timing assertion)
            JsonElement afterExpiry = await AttachWithAsync(lapsed);
            Assert.True(afterExpiry.TryGetProperty("error", out JsonElement e2), afterExpiry.ToString());
            Assert.Equal(ErrorCodes.NotPossible, e2.GetProperty("code").GetInt32());
            Assert.Contains($"with token {lapsed} no longer exists", e2.GetProperty("message").GetString());

            Assert.DoesNotContain("ua-usbpassd", LocalLibvirt.Shell($"virsh -c qemu:///system dumpxml --inactive {daemon.Domain}"));
        }
        finally
        {
            // Whatever happened above, the camera is left free for the other tests.
            await c.AskAsync(Request(Methods.DevicesDetach, $$"""{"device":"{{Camera}}","instance":"{{daemon.Domain}}"}"""));
            await c.AskAsync(Request(Methods.DevicesRelease, $$"""{"device":"{{Camera}}","instance_uuid":"{{uuid}}"}"""));
        }
    }

    [Fact]
    public async Task Hubs_missing_domains_and_live_on_a_shut_off_domain_are_refused_with_reasons()
    {
        using WireClient c = await daemon.ConnectAsync();
        JsonElement hub = Json(await c.AskAsync(Request(Methods.DevicesAttach, $$"""{"device":"1-1.5","instance":"{{daemon.Domain}}"}""")));
        Assert.Equal(ErrorCodes.NotPossible, hub.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("may not be passed to a VM: refused: ", hub.GetProperty("error").GetProperty("message").GetString());
        Assert.Contains("hub", hub.GetProperty("error").GetProperty("message").GetString());

        JsonElement nodomain = Json(await c.AskAsync(Request(Methods.DevicesAttach, $$"""{"device":"{{Camera}}","instance":"no-such-vm"}""")));
        Assert.Equal(ErrorCodes.InstanceNotFound, nodomain.GetProperty("error").GetProperty("code").GetInt32());

        JsonElement live = Json(await c.AskAsync(Request(Methods.DevicesAttach, $$"""{"device":"{{Camera}}","instance":"{{daemon.Domain}}","mode":"live"}""")));
        Assert.Equal(ErrorCodes.NotPossible, live.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("is not running", live.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_shut_off_domain_without_the_asked_controller_gets_one_and_the_device_is_pinned_to_it()
    {
        string domain = $"usbpassd-uhci-{Environment.ProcessId}";
        LocalLibvirt.Define(domain, "<controller type='usb' index='0' model='piix3-uhci'/>");
        try
        {
            using WireClient c = await daemon.ConnectAsync();
            JsonElement attached = Json(await c.AskAsync(Request(Methods.DevicesAttach, $$"""{"device":"{{Camera}}","instance":"{{domain}}","controller":"xhci"}""")));
            Assert.Equal("attached", attached.GetProperty("result").GetProperty("state").GetString());

            string definition = LocalLibvirt.Shell($"virsh -c qemu:///system dumpxml --inactive {domain}");
            Assert.Contains("<controller type='usb' index='1' model='qemu-xhci' ports='15'>", definition);
            Assert.Contains("<address type='usb' bus='1' port='1'/>", definition);

            JsonElement wrong = Json(await c.AskAsync(Request(Methods.DevicesAttach, $$"""{"device":"{{Camera}}","instance":"{{domain}}","controller":"usb4"}""")));
            Assert.Equal("controller must be uhci, ehci or xhci, not 'usb4'", wrong.GetProperty("error").GetProperty("message").GetString());

            Json(await c.AskAsync(Request(Methods.DevicesDetach, $$"""{"device":"{{Camera}}","instance":"{{domain}}"}""")));
        }
        finally
        {
            LocalLibvirt.Remove(domain);
        }
    }

    [Fact]
    public async Task A_device_someone_else_put_into_a_domain_is_shown_as_external_and_not_given_out_until_it_is_gone()
    {
        // virsh define raises a lifecycle event (defined): that alone must make usbpassd look.
        string domain = $"usbpassd-byhand-{Environment.ProcessId}";
        LocalLibvirt.Define(domain, "<controller type='usb' model='qemu-xhci'/><hostdev mode='subsystem' type='usb'><source><vendor id='0x04a9'/><product id='0x31c0'/></source></hostdev>");
        string uuid = LocalLibvirt.Shell($"virsh -q -c qemu:///system domuuid {domain}").Trim();
        try
        {
            using WireClient c = await daemon.ConnectAsync();
            JsonElement camera = await WaitForStatusAsync(c, "external");
            Assert.Equal(uuid, camera.GetProperty("instance_uuid").GetString());

            JsonElement refused = Json(await c.AskAsync(Request(Methods.DevicesAttach, $$"""{"device":"{{Camera}}","instance":"{{daemon.Domain}}"}""")));
            Assert.Equal(ErrorCodes.DeviceOwned, refused.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Contains($"is attached to domain {uuid} outside usbpassd", refused.GetProperty("error").GetProperty("message").GetString());

            LocalLibvirt.Remove(domain); // undefined: another lifecycle event
            await WaitForStatusAsync(c, "available");
        }
        finally
        {
            LocalLibvirt.Remove(domain);
        }
    }

    [Fact]
    public async Task The_hook_lets_a_domain_start_with_its_mandatory_device_and_refuses_another_domain_naming_it()
    {
        using WireClient c = await daemon.ConnectAsync();
        Json(await c.AskAsync(Request(Methods.DevicesAttach, $$"""{"device":"{{Camera}}","instance":"{{daemon.Domain}}","missing_policy":"mandatory"}""")));
        try
        {
            string xml = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(LocalLibvirt.Shell($"virsh -c qemu:///system dumpxml --inactive {daemon.Domain}")));
            string uuid = LocalLibvirt.Shell($"virsh -q -c qemu:///system domuuid {daemon.Domain}").Trim();
            string Hook(string domain, string op, string sub) =>
                Request(Methods.HookQemu, $$"""{"domain_uuid":"{{domain}}","operation":"{{op}}","sub_operation":"{{sub}}","xml_base64":"{{xml}}"}""");

            Assert.True(Json(await c.AskAsync(Hook(uuid, "prepare", "begin"))).GetProperty("result").GetProperty("allowed").GetBoolean());

            // A copy of the definition under another domain names a device that is not its own.
            JsonElement refused = Json(await c.AskAsync(Hook("00000000-0000-4000-8000-0000000000ff", "prepare", "begin"))).GetProperty("error");
            Assert.Equal(ErrorCodes.StartRefused, refused.GetProperty("code").GetInt32());
            string message = refused.GetProperty("message").GetString()!;
            Assert.Contains($"mandatory USB device {Camera}", message);
            Assert.Contains($"is attached to instance {uuid}", message);
            Assert.DoesNotContain("\"", message); // the hook cuts the message out with sed

            Assert.True(Json(await c.AskAsync(Hook(uuid, "release", "end"))).GetProperty("result").GetProperty("allowed").GetBoolean());
            JsonElement odd = Json(await c.AskAsync(Hook(uuid, "start\\nforged log line", "begin"))).GetProperty("error");
            Assert.Equal(ErrorCodes.InvalidParams, odd.GetProperty("code").GetInt32());
            Assert.Contains("operation must be one of libvirt's hook words", odd.GetProperty("message").GetString());
        }
        finally
        {
            Json(await c.AskAsync(Request(Methods.DevicesDetach, $$"""{"device":"{{Camera}}","instance":"{{daemon.Domain}}"}""")));
        }
    }

    private static Task<JsonElement> WaitForStatusAsync(WireClient c, string status) => StatusPoll.UntilAsync(c, Camera, s => s == status, status);
}
