using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using StreamJsonRpc;
using UsbPassd.Libvirt;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Client;
using UsbPassd.Protocol.JsonRpc;
using UsbPassd.Protocol.Messages;
using UsbPassd.Protocol.StreamJsonRpc;
using UsbPassd.Testing.Rpc;
using UsbPassd.Tests.Integration.Libvirt;

namespace UsbPassd.Tests.Integration.Rpc;

/// <summary>
/// Every error code of the protocol, provoked on the real daemon and received by a StreamJsonRpc
/// client: the code, the message, and <c>data</c> (only 1008 has any: instance_uuid, state, since).
/// <para>
/// -32700, -32600 and 1003 are answered with <c>"id": null</c>: the daemon could not read the line, or
/// did not (past 1 MiB). No client can tie such an answer to a request; StreamJsonRpc takes it for a
/// protocol violation and ends the connection, and <see cref="UsbPassdJsonRpc.ErrorWithoutId"/> says
/// why. A StreamJsonRpc client never writes a line that is not JSON or not a valid request, so
/// -32700 and -32600 are provoked by writing such a line on its connection's socket. -32603 is in
/// <see cref="StreamJsonRpcInternalErrorTests"/> (it needs a daemon of its own; its answer has the request's id).
/// </para>
/// </summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class StreamJsonRpcErrorTests(StreamJsonRpcFixture daemon) : IClassFixture<StreamJsonRpcFixture>
{
    private const string OtherInstance = "00000000-0000-4000-8000-0000000000ee";

    [Fact]
    public async Task A_line_that_is_not_json_is_32700_and_an_invalid_request_32600_both_without_an_id()
    {
        foreach ((string line, int code, string said) in new[]
        {
            ("{this is not json", ErrorCodes.ParseError, "parse error"),
            ("""{"jsonrpc":"1.0","id":null,"method":"host.info"}""", ErrorCodes.InvalidRequest, "\"jsonrpc\" must be \"2.0\""),
        })
        {
            Socket socket = await UsbPassdClient.ConnectSocketAsync(daemon.Socket);
            var stream = new NetworkStream(socket, ownsSocket: true);
            using UsbPassdRpcConnection c = UsbPassdRpc.Attach(stream);
            Assert.Equal(daemon.Pid, (await c.Proxy.HostInfoAsync()).Pid);

            await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
            await Task.WhenAny(c.Rpc.Completion, Task.Delay(TimeSpan.FromSeconds(60)));
            Assert.True(c.Rpc.Completion.IsCompleted, "StreamJsonRpc did not end the connection");

            RpcException error = Assert.IsType<RpcException>(c.Rpc.ErrorWithoutId);
            Assert.Equal(code, error.Code);
            Assert.Contains(said, error.Message, StringComparison.Ordinal);
            Assert.Null(error.ErrorData);
        }
    }

    [Fact]
    public async Task An_unknown_method_is_32601_with_the_list_of_methods()
    {
        using UsbPassdRpcConnection c = await daemon.AttachAsync();
        RpcException error = await FailsAsync(ErrorCodes.MethodNotFound, () => c.Rpc.InvokeWithParameterObjectAsync<JsonElement>("devices.destroy", new Dictionary<string, object?>()));
        Assert.Contains("no method 'devices.destroy' (methods: devices.attach, ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Params_the_daemon_cannot_take_are_32602_saying_what_to_give()
    {
        using UsbPassdRpcConnection c = await daemon.AttachAsync();
        Assert.Equal("give exactly one of id, dev_id, port_id, address", (await FailsAsync(ErrorCodes.InvalidParams, () => c.Proxy.DevicesGetAsync())).Message);
        Assert.Contains("for more, ask again with before_id", (await FailsAsync(ErrorCodes.InvalidParams, () => c.Proxy.HistoryListAsync(limit: HistoryParams.MaxLimit + 1))).Message, StringComparison.Ordinal);
        Assert.Equal("ttl_seconds must be positive", (await FailsAsync(ErrorCodes.InvalidParams, () => c.Proxy.DevicesReserveAsync("1-1", daemon.DomainUuid, ttlSeconds: 0))).Message);
        RpcException unknown = await FailsAsync(ErrorCodes.InvalidParams, () => c.Rpc.InvokeWithParameterObjectAsync<DeviceRecord[]>(Methods.DevicesList, new Dictionary<string, object?> { ["colour"] = "red" }));
        Assert.Contains("unknown parameter 'colour'", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_uid_outside_the_groups_is_refused_1001_with_what_to_do()
    {
        // The caller is a relay (socat) run as uid 65534: the daemon judges its peer credentials.
        string relayDir = Directory.CreateTempSubdirectory("usbpassd-relay-").FullName;
        string relay = Path.Combine(relayDir, "relay.sock");
        LocalLibvirt.Shell($"chmod 0777 {relayDir} && chmod o+x {daemon.Directory} && chmod 0666 {daemon.Socket}");
        using var socat = OtherUser.Start("65534", mayChangeGroups: false, "socat", $"UNIX-LISTEN:{relay}", $"UNIX-CONNECT:{daemon.Socket}");
        try
        {
            for (int i = 0; i < 600 && !File.Exists(relay); i++)
            {
                await Task.Delay(50);
            }

            using UsbPassdRpcConnection c = await UsbPassdRpc.AttachAsync(relay);
            RpcException error = await FailsAsync(ErrorCodes.PermissionDenied, () => c.Proxy.DevicesListAsync());
            Assert.Contains($"uid {OtherUser.Uid}", error.Message, StringComparison.Ordinal);
            Assert.Contains("add the user to group usbpassd", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            socat.Kill(entireProcessTree: true);
            await socat.WaitForExitAsync();
            LocalLibvirt.Shell($"chmod 0660 {daemon.Socket}");
            Directory.Delete(relayDir, recursive: true);
        }
    }

    [Fact]
    public async Task No_device_behind_a_selector_is_1002()
    {
        using UsbPassdRpcConnection c = await daemon.AttachAsync();
        Assert.Equal("no device with port_id 9-9 ('usbpassctl list' shows the devices)", (await FailsAsync(ErrorCodes.DeviceNotFound, () => c.Proxy.DevicesGetAsync(portId: "9-9"))).Message);
        Assert.Contains("no device 9-9", (await FailsAsync(ErrorCodes.DeviceNotFound, () => c.Proxy.DevicesReserveAsync("9-9", daemon.DomainUuid))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_past_the_line_limit_is_1003_and_ends_the_streamjsonrpc_connection()
    {
        using UsbPassdRpcConnection c = await daemon.AttachAsync();
        string huge = new('A', 1536 * 1024);
        await Assert.ThrowsAsync<ConnectionLostException>(() => c.Proxy.HookQemuAsync(daemon.DomainUuid, "prepare", "begin", huge));

        RpcException error = Assert.IsType<RpcException>(c.Rpc.ErrorWithoutId);
        Assert.Equal((ErrorCodes.LimitExceeded, "message longer than 1048576 bytes: refused"), (error.Code, error.Message));
        Assert.Null(error.ErrorData);

        using UsbPassdRpcConnection again = await daemon.AttachAsync(); // the daemon itself goes on
        Assert.Equal(daemon.Pid, (await again.Proxy.HostInfoAsync()).Pid);
    }

    [Fact]
    public async Task Twins_behind_one_port_are_1005_a_selector_that_names_several()
    {
        // A reserved key unplugged stays (missing, port 1-4); another key plugged there is a second live row at 1-4.
        var notifications = new DeviceNotifications();
        using UsbPassdRpcConnection c = await daemon.AttachAsync(notifications);
        await c.Proxy.EventsSubscribeAsync();
        await daemon.PlugAsync("1-4", 5);
        await StreamJsonRpcMethodTests.NextAsync(notifications, Methods.Notifications.DeviceAdded, "1-4");
        await c.Proxy.DevicesReserveAsync("1-4", daemon.DomainUuid);
        Assert.Equal("reserved", (await StreamJsonRpcMethodTests.NextAsync(notifications, Methods.Notifications.DeviceChanged, "1-4")).Device.Status);
        await daemon.UnplugAsync("1-4");
        Assert.Equal("missing", (await StreamJsonRpcMethodTests.NextAsync(notifications, Methods.Notifications.DeviceChanged, "1-4")).Device.Status);
        await daemon.PlugAsync("1-4", 6, serial: "KEY-OTHER");
        await StreamJsonRpcMethodTests.NextAsync(notifications, Methods.Notifications.DeviceAdded, "1-4");
        try
        {
            Assert.Equal("2 devices match port_id 1-4; use port_id or id", (await FailsAsync(ErrorCodes.DeviceAmbiguous, () => c.Proxy.DevicesGetAsync(portId: "1-4"))).Message);
            Assert.Equal("2 devices match 1-4: use its port (usbpassctl list)", (await FailsAsync(ErrorCodes.DeviceAmbiguous, () => c.Proxy.DevicesReserveAsync("1-4", OtherInstance))).Message);
        }
        finally
        {
            await c.Proxy.DevicesReleaseAsync(StreamJsonRpcFixture.DevId("1-4"), daemon.DomainUuid);
            await daemon.UnplugAsync("1-4");
        }
    }

    [Fact]
    public async Task A_domain_libvirt_does_not_know_is_1006()
    {
        using UsbPassdRpcConnection c = await daemon.AttachAsync();
        Assert.Equal("no libvirt domain no-such-vm (virsh list --all shows them)", (await FailsAsync(ErrorCodes.InstanceNotFound, () => c.Proxy.DevicesAttachAsync("1-1", "no-such-vm"))).Message);
    }

    [Fact]
    public async Task On_a_running_domain_libvirt_refusing_is_1007_and_a_detach_whose_caller_cancels_1004()
    {
        // As DetachSettleTests: this machine has no USB bus, so libvirt refuses any live USB hostdev (1007);
        // a virtio tablet with our alias in a paused guest is a device whose removal is never confirmed.
        string domain = $"usbpassd-sjr-run-{Environment.ProcessId}";
        string alias = HostdevXml.Alias(StreamJsonRpcFixture.DevId("1-2"));
        LocalLibvirt.Define(domain, $"<controller type='usb' model='qemu-xhci'/><input type='tablet' bus='virtio'><alias name='{alias}'/></input>");
        string uuid = LocalLibvirt.Shell($"virsh -q -c qemu:///system domuuid {domain}").Trim();
        using UsbPassdRpcConnection c = await daemon.AttachAsync();
        try
        {
            LocalLibvirt.Shell($"virsh -q -c qemu:///system start --paused {domain} && virsh -q -c qemu:///system detach-device-alias {domain} {alias} --config");
            RpcException refused = await FailsAsync(ErrorCodes.LibvirtFailed, () => c.Proxy.DevicesAttachAsync("1-1", domain));
            Assert.StartsWith($"libvirt refused to attach 1-1 to {domain}: ", refused.Message, StringComparison.Ordinal);
            Assert.True((await c.Proxy.DevicesGetAsync(portId: "1-1")).Status is not ("attaching" or "attached"));

            Assert.Equal("attached", (await c.Proxy.DevicesAttachAsync("1-2", domain, mode: "config")).State);
            using UsbPassdRpcConnection caller = await daemon.AttachAsync();
            using var cancel = new CancellationTokenSource();
            Task<AssignmentResult> detach = caller.Proxy.DevicesDetachAsync("1-2", domain, mode: "live", cancellationToken: cancel.Token);
            await UntilAsync(c.Proxy, "1-2", "detaching"); // libvirt was asked; its confirmation is awaited
            await cancel.CancelAsync();
            RpcException cancelled = await FailsAsync(ErrorCodes.RequestCancelled, () => detach);
            Assert.Contains("the detach goes on and settles by itself", cancelled.Message, StringComparison.Ordinal);
            await UntilAsync(c.Proxy, "1-2", "available"); // the live XML no longer names our hostdev: released
        }
        finally
        {
            LocalLibvirt.Remove(domain);
            await TryAsync(() => c.Proxy.DevicesReleaseAsync("1-1", uuid));
            await TryAsync(() => c.Proxy.DevicesDetachAsync("1-2", uuid));
        }
    }

    [Fact]
    public async Task A_device_another_instance_holds_is_1008_with_the_owner_in_data()
    {
        using UsbPassdRpcConnection c = await daemon.AttachAsync();
        AssignmentResult held = await c.Proxy.DevicesReserveAsync("1-2", daemon.DomainUuid);
        try
        {
            RpcException error = await FailsAsync(ErrorCodes.DeviceOwned, () => c.Proxy.DevicesReserveAsync("1-2", OtherInstance), withData: true);
            Assert.Contains($"is reserved by instance {daemon.DomainUuid}", error.Message, StringComparison.Ordinal);
            JsonElement data = error.ErrorData!.Value;
            Assert.Equal(["instance_uuid", "since", "state"], data.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal((daemon.DomainUuid, "reserved"), (data.GetProperty("instance_uuid").GetString(), data.GetProperty("state").GetString()));
            Assert.True(DateTimeOffset.TryParse(data.GetProperty("since").GetString(), out _), data.ToString());
            Assert.Equal(held.InstanceUuid, (await c.Proxy.DevicesGetAsync(portId: "1-2")).InstanceUuid);
        }
        finally
        {
            await c.Proxy.DevicesReleaseAsync("1-2", daemon.DomainUuid);
        }
    }

    [Fact]
    public async Task What_is_not_possible_is_1009_with_the_reason()
    {
        using UsbPassdRpcConnection c = await daemon.AttachAsync();
        RpcException hub = await FailsAsync(ErrorCodes.NotPossible, () => c.Proxy.DevicesAttachAsync("1-5", daemon.Domain));
        Assert.Contains("device 1-5 may not be passed to a VM: refused: ", hub.Message, StringComparison.Ordinal);
        Assert.Equal($"device 1-1 is not reserved by {OtherInstance}", (await FailsAsync(ErrorCodes.NotPossible, () => c.Proxy.DevicesReleaseAsync("1-1", OtherInstance))).Message);
        Assert.Equal("device 1-1 is not attached to " + daemon.Domain, (await FailsAsync(ErrorCodes.NotPossible, () => c.Proxy.DevicesDetachAsync("1-1", daemon.Domain))).Message);
    }

    [Fact]
    public async Task The_hook_refusing_a_start_is_1010_for_the_person_starting_the_domain()
    {
        using UsbPassdRpcConnection c = await daemon.AttachAsync();
        await c.Proxy.DevicesReserveAsync("1-1", daemon.DomainUuid);
        try
        {
            // The hostdev usbpassd gives the domain (made mandatory), in the definition of another one.
            string hostdev = HostdevXml.Build(0x46f4, 0x0001, 1, 2, HostdevXml.Alias(StreamJsonRpcFixture.DevId("1-1")), "mandatory");
            string xml = Convert.ToBase64String(Encoding.UTF8.GetBytes($"<domain><devices>{hostdev}</devices></domain>"));
            RpcException refused = await FailsAsync(ErrorCodes.StartRefused, () => c.Proxy.HookQemuAsync(OtherInstance, "prepare", "begin", xml));
            Assert.Contains($"mandatory USB device 1-1 ({StreamJsonRpcFixture.DevId("1-1")}) is reserved to instance {daemon.DomainUuid}", refused.Message, StringComparison.Ordinal);
            Assert.True((await c.Proxy.HookQemuAsync(daemon.DomainUuid, "prepare", "begin", xml)).Allowed); // its own start goes on
        }
        finally
        {
            await c.Proxy.DevicesReleaseAsync("1-1", daemon.DomainUuid);
        }
    }

    /// <summary>The call fails with <paramref name="code"/>, a message, and data only where <paramref name="withData"/>.</summary>
    internal static async Task<RpcException> FailsAsync(int code, Func<Task> call, bool withData = false)
    {
        RemoteRpcException e = await Assert.ThrowsAnyAsync<RemoteRpcException>(call);
        RpcException error = e.ToRpcException();
        Assert.True(error.Code == code, $"expected error {code}, got {error.Code}: {error.Message}");
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.Equal(withData, error.ErrorData is not null);
        return error;
    }

    private static async Task UntilAsync(IUsbPassd usbpassd, string port, string status)
    {
        string now = "";
        for (var until = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < until; await Task.Delay(50))
        {
            if ((now = (await usbpassd.DevicesGetAsync(portId: port)).Status) == status)
            {
                return;
            }
        }

        Assert.Fail($"device {port} did not become {status} within 60 s (it is {now})");
    }

    private static async Task TryAsync(Func<Task> cleanup)
    {
        try
        {
            await cleanup();
        }
        catch (RemoteRpcException)
        {
            // Nothing to clean up there.
        }
    }
}
