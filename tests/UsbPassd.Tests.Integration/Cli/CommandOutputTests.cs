using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Tests.Integration.Cli;

/// <summary>
/// What each command that asks usbpassd sends and prints, to the byte: its params, its text, its --json
/// (the daemon's answer in the protocol's indented shape), its exit code, and failures on stderr.
/// </summary>
public sealed class CommandOutputTests : IDisposable
{
    private const string Instance = "6f1c0a3e-0000-4000-8000-000000000001";
    private const string Other = "6f1c0a3e-0000-4000-8000-000000000002";

    private static readonly DeviceRecord Dongle = new()
    {
        Id = 8, Status = "attached", DevId = "46f4:0001:LICENCE-0042", PortId = "3-2", Address = "usb_3_2", VendorId = "46f4", ProductId = "0001",
        Serial = "LICENCE-0042", InstanceUuid = Instance, PreviousId = 6, Present = true, Deleted = false, CreatedAt = "2026-01-01T00:00:00.000Z",
        Info = new UsbDeviceInfo
        {
            PortId = "3-2", BusId = 3, DeviceId = 2, Address = "usb_3_2", DevId = "46f4:0001:LICENCE-0042", VendorId = "46f4", ProductId = "0001",
            DeviceClass = "00", DeviceClassName = "(Defined at Interface level)", VendorName = "QEMU", ProductName = "QEMU USB HARDDRIVE",
            Manufacturer = "QEMU", Product = "QEMU USB HARDDRIVE", Serial = "LICENCE-0042", SpeedMbps = 480, SysfsPath = "/sys/devices/pci0000:00/0000:00:04.0/usb3/3-2",
            IsHub = false, IsRootHub = false, Ambiguous = false, Eligible = true,
            Interfaces = [new UsbInterfaceInfo { Number = 0, Class = "08", Subclass = "06", Protocol = "50", ClassName = "Mass Storage" }],
        },
    };

    // A row from before discovery kept facts, and gone.
    private static readonly DeviceRecord Seed = new()
    {
        Id = 5, Status = "missing", DevId = "0529:0001:0B2A", Address = "usb_1_4", VendorId = "0529", ProductId = "0001",
        Present = false, Deleted = false, CreatedAt = "2025-12-01T00:00:00.000Z",
    };

    private static readonly Dictionary<string, Func<JsonElement, object>> Answers = new()
    {
        [Methods.HostInfo] = _ => new HostInfo
        {
            Hostname = "kvm-07", Version = "0.1.0+31e328e", Pid = 4242, StartedAt = "2026-01-01T00:00:00.000Z", Libvirt = "qemu:///system (connected)",
            Uevents = "netlink", DevicesByStatus = new Dictionary<string, int> { ["available"] = 3, ["attached"] = 1 }, UeventsProcessed = 12, UeventsRejected = 1,
        },
        [Methods.MetricsGet] = _ => new MetricsResult { Text = "# TYPE usbpassd_devices gauge\nusbpassd_devices{status=\"attached\"} 1\n" },
        [Methods.DevicesList] = _ => new[] { Dongle, Seed },
        [Methods.DevicesGet] = _ => Dongle,
        [Methods.InstancesDevices] = _ => new[] { Dongle },
        [Methods.PolicyCheck] = p => p.GetProperty("device").GetString() == "3-2"
            ? new PolicyCheckResult { Device = Dongle, Allowed = true, Verdict = "allowed", Reason = "allow: rule 2 'allow id 46f4:0001 label \"ERP dongle\"'", Rule = "rule 2", Refusals = [], Overridden = [] }
            : new PolicyCheckResult { Device = Seed, Allowed = false, Verdict = "blocked", Reason = "default block", Rule = "default", Refusals = [], Overridden = [] },
        [Methods.PolicyShow] = _ => new PolicyShowResult { Text = "allow id 46f4:0001 label \"ERP dongle\"\ndefault block\n", Rules = 1, PolicyFile = "/etc/usbpassd/policy.rules" },
        [Methods.PolicyReload] = _ => new PolicyReloadResult
        {
            Rules = 2, Default = "block",
            OwnedButRefused = [new PolicyConflict { PortId = "3-2", DevId = Dongle.DevId, Status = "attached", InstanceUuid = Instance, Reason = "block: rule 1 'block id 46f4:*'" }],
        },
        [Methods.HistoryList] = _ => new HistoryPage
        {
            Entries =
            [
                new HistoryRecord { Id = 41, At = "2026-01-01T00:00:01.000Z", DevId = Dongle.DevId!, RowId = 8, Kind = "added" },
                new HistoryRecord { Id = 42, At = "2026-01-01T00:00:02.000Z", DevId = Dongle.DevId!, RowId = 8, Kind = "claim_attached", InstanceUuid = Instance, By = "uid 0 pid 77 (nova-compute)", Rule = "rule 2" },
            ],
            NextBeforeId = 41,
        },
        [Methods.DevicesReserve] = _ => new AssignmentResult { Device = Dongle with { Status = "reserved" }, InstanceUuid = Instance, State = "reserved", Token = 17, ExpiresAt = "2026-01-01T00:05:00.000Z" },
        [Methods.DevicesRelease] = _ => new AssignmentResult { Device = Dongle with { Status = "available", InstanceUuid = null }, State = "available" },
        [Methods.DevicesAttach] = _ => new AssignmentResult { Device = Dongle, InstanceUuid = Instance, State = "attached", Token = 18, Alias = "ua-usbpassd-8" },
        [Methods.DevicesDetach] = _ => new AssignmentResult { Device = Dongle with { Status = "available", InstanceUuid = null }, State = "available" },
        [Methods.DevicesSwap] = _ => new AssignmentResult { Device = Dongle with { PortId = "3-3", InstanceUuid = Other }, InstanceUuid = Other, State = "attached", Token = 19 },
        [Methods.EventsSubscribe] = _ => new SubscribeResult { Events = [Methods.Notifications.DeviceAdded, Methods.Notifications.DeviceRemoved, Methods.Notifications.DeviceChanged] },
    };

    private readonly List<(string Method, string Params)> _asked = [];
    private readonly FakeDaemon _daemon;

    public CommandOutputTests() => _daemon = new FakeDaemon(Answer, method => method == Methods.EventsSubscribe ? Events : null);

    public void Dispose() => _daemon.Dispose();

    private static string[] Events =>
    [
        Notification(Methods.Notifications.DeviceAdded, new DeviceEvent { Device = Dongle with { Status = "available", InstanceUuid = null }, ReplacesId = 6 }),
        Notification(Methods.Notifications.DeviceChanged, new DeviceEvent { Device = Dongle }),
    ];

    private string Answer(string method, JsonElement p)
    {
        lock (_asked)
        {
            _asked.Add((method, p.GetRawText()));
        }

        if (method == Methods.DevicesGet && p.GetProperty("port_id").GetString() == "9-9")
        {
            return $"\"error\":{{\"code\":{ErrorCodes.DeviceNotFound},\"message\":\"no device with port_id 9-9 ('usbpassctl list' shows the devices)\"}}";
        }

        object value = Answers[method](p);
        return $"\"result\":{JsonSerializer.Serialize(value, ProtocolJson.Default.GetTypeInfo(value.GetType())!)}";
    }

    private static string Notification(string method, DeviceEvent e) =>
        $"{{\"jsonrpc\":\"2.0\",\"method\":\"{method}\",\"params\":{JsonSerializer.Serialize(e, ProtocolJson.Default.DeviceEvent)}}}";

    // What --json prints for the daemon's answer to the method: its protocol shape, indented.
    private static string Indented(string method, string parameters = "{}")
    {
        using JsonDocument p = JsonDocument.Parse(parameters);
        object value = Answers[method](p.RootElement);
        JsonTypeInfo info = ProtocolJson.Indented.GetTypeInfo(value.GetType());
        return JsonSerializer.Serialize(value, info) + "\n";
    }

    private void AssertPrints(string[] command, string output, int code = 0)
    {
        var (actualCode, actualOutput, error) = _daemon.Usbpassctl(command);

        Assert.Equal(output, actualOutput);
        Assert.Equal("", error);
        Assert.Equal(code, actualCode);
    }

    private void AssertAsked(string method, string parameters)
    {
        lock (_asked)
        {
            Assert.Equal([(method, parameters)], _asked);
        }
    }

    [Fact]
    public void Host() => AssertPrints(["host"], """
        Host:        kvm-07
        usbpassd:    0.1.0 (pid 4242, since 2026-01-01T00:00:00.000Z)
        libvirt:     qemu:///system (connected)
        uevents:     netlink; 12 processed, 1 rejected
        devices:     3 available, 1 attached

        """);

    [Fact]
    public void Metrics_are_the_daemons_text_as_it_is() =>
        AssertPrints(["metrics"], "# TYPE usbpassd_devices gauge\nusbpassd_devices{status=\"attached\"} 1\n");

    [Fact]
    public void List_is_a_table_and_a_count()
    {
        AssertPrints(["list", "--status", "attached", "--vendor-id", "46f4", "--all"], """
            ID  STATUS    PORT  ADDRESS  VID:PID    NAME                        SERIAL        INSTANCE
            8   attached  3-2   usb_3_2  46f4:0001  QEMU QEMU USB HARDDRIVE     LICENCE-0042  6f1c0a3e-0000-4000-8000-000000000001
            5   missing   -     usb_1_4  0529:0001  (no facts: a seed-era row)  -             -

            2 devices

            """);
        AssertAsked(Methods.DevicesList, """{"status":"attached","vendor_id":"46f4","product_id":null,"serial":null,"instance_uuid":null,"include_deleted":true}""");
    }

    [Fact]
    public void Show_gives_every_fact()
    {
        AssertPrints(["show", "3-2"], """
            Name:         QEMU QEMU USB HARDDRIVE
            Status:       attached
            Owner:        6f1c0a3e-0000-4000-8000-000000000001
            dev_id:       46f4:0001:LICENCE-0042
            Port:         3-2
            Address:      usb_3_2
            ID:           46f4:0001
            Serial:       LICENCE-0042
            Manufacturer: QEMU
            Product:      QEMU USB HARDDRIVE
            Class:        00 (Defined at Interface level)
            Interfaces:   0: 08 Mass Storage
            Speed:        480 Mbit/s
            Eligible:     yes
            Present:      yes
            Registry id:  8
            Previous row: 6
            Since:        2026-01-01T00:00:00.000Z
            sysfs:        /sys/devices/pci0000:00/0000:00:04.0/usb3/3-2

            """);
        AssertAsked(Methods.DevicesGet, """{"id":null,"dev_id":null,"port_id":"3-2","address":null}""");
    }

    [Fact]
    public void Instances_lists_what_an_instance_owns()
    {
        AssertPrints(["instances", "erp-vm"], """
            attached   3-2       46f4:0001  QEMU QEMU USB HARDDRIVE  46f4:0001:LICENCE-0042
            1 device

            """);
        AssertAsked(Methods.InstancesDevices, """{"instance":"erp-vm"}""");
    }

    [Fact]
    public void Policy_check_says_the_verdict_and_exits_1_when_refused()
    {
        AssertPrints(["policy", "check", "3-2"], """
            3-2 46f4:0001 QEMU QEMU USB HARDDRIVE: ALLOWED
              allow: rule 2 'allow id 46f4:0001 label "ERP dongle"'

            """);
        AssertPrints(["policy", "check", "5"], """
             0529:0001 (no facts: a seed-era row): BLOCKED
              default block

            """, code: 1);
        AssertPrints(["policy", "check", "5", "--json"], Indented(Methods.PolicyCheck, """{"device":"5"}"""), code: 1);
    }

    [Fact]
    public void Policy_show_prints_the_rules_as_they_are() =>
        AssertPrints(["policy", "show"], "allow id 46f4:0001 label \"ERP dongle\"\ndefault block\n");

    [Fact]
    public void Policy_reload_lists_what_it_now_refuses_and_how_to_take_it_out() => AssertPrints(["policy", "reload"], """
        policy reloaded: 2 rules, then 'block'
          3-2 is attached to 6f1c0a3e-0000-4000-8000-000000000001 but now refused: block: rule 1 'block id 46f4:*'
            it stays; to take it out: usbpassctl detach 3-2 6f1c0a3e-0000-4000-8000-000000000001

        """);

    [Fact]
    public void History_is_a_table_and_says_how_to_go_on()
    {
        AssertPrints(["history", "3-2", "--instance", "erp-vm", "--limit", "2"], """
            ID  AT                        EVENT           DEVICE                  INSTANCE                              BY                           RULE
            41  2026-01-01T00:00:01.000Z  added           46f4:0001:LICENCE-0042  -                                     -                            -
            42  2026-01-01T00:00:02.000Z  claim_attached  46f4:0001:LICENCE-0042  6f1c0a3e-0000-4000-8000-000000000001  uid 0 pid 77 (nova-compute)  rule 2
            (older entries: add --before 41)

            """);
        AssertAsked(Methods.HistoryList, """{"device":"3-2","instance":"erp-vm","limit":2,"before_id":null}""");
    }

    [Fact]
    public void Reserve_prints_the_token_and_the_lapse()
    {
        AssertPrints(["reserve", "3-2", Instance, "--ttl", "300"], $"3-2 (46f4:0001:LICENCE-0042): reserved to {Instance}, token 17, until 2026-01-01T00:05:00.000Z\n");
        AssertAsked(Methods.DevicesReserve, $$"""{"device":"3-2","instance_uuid":"{{Instance}}","ttl_seconds":300}""");
    }

    [Fact]
    public void Release()
    {
        AssertPrints(["release", "3-2", Instance], "3-2 (46f4:0001:LICENCE-0042): available\n");
        AssertAsked(Methods.DevicesRelease, $$"""{"device":"3-2","instance_uuid":"{{Instance}}"}""");
    }

    [Fact]
    public void Attach_sends_its_options()
    {
        AssertPrints(["attach", "3-2", "erp-vm", "--live", "--mandatory", "--controller", "xhci", "--token", "17"], $"3-2 (46f4:0001:LICENCE-0042): attached to {Instance}, token 18\n");
        AssertAsked(Methods.DevicesAttach, """{"device":"3-2","instance":"erp-vm","mode":"live","controller":"xhci","missing_policy":"mandatory","token":17,"migration":null}""");
    }

    [Fact]
    public void Detach()
    {
        AssertPrints(["detach", "3-2", "erp-vm", "--config"], "3-2 (46f4:0001:LICENCE-0042): available\n");
        AssertAsked(Methods.DevicesDetach, """{"device":"3-2","instance":"erp-vm","mode":"config"}""");
    }

    [Fact]
    public void Swap()
    {
        AssertPrints(["swap", "erp-vm", "3-2", "3-3"], $"3-3 (46f4:0001:LICENCE-0042): attached to {Other}, token 19\n");
        AssertAsked(Methods.DevicesSwap, """{"instance":"erp-vm","from":"3-2","to":"3-3","mode":"auto"}""");
    }

    [Theory]
    [InlineData(Methods.HostInfo, "host")]
    [InlineData(Methods.MetricsGet, "metrics")]
    [InlineData(Methods.DevicesList, "list")]
    [InlineData(Methods.DevicesGet, "show", "3-2")]
    [InlineData(Methods.InstancesDevices, "instances", "erp-vm")]
    [InlineData(Methods.PolicyCheck, "policy", "check", "3-2")]
    [InlineData(Methods.PolicyShow, "policy", "show")]
    [InlineData(Methods.PolicyReload, "policy", "reload")]
    [InlineData(Methods.DevicesReserve, "reserve", "3-2", Instance)]
    [InlineData(Methods.DevicesRelease, "release", "3-2", Instance)]
    [InlineData(Methods.DevicesAttach, "attach", "3-2", "erp-vm")]
    [InlineData(Methods.DevicesDetach, "detach", "3-2", "erp-vm")]
    [InlineData(Methods.DevicesSwap, "swap", "erp-vm", "3-2", "3-3")]
    public void Json_is_the_answer_indented(string method, params string[] command) =>
        AssertPrints([.. command, "--json"], Indented(method, method == Methods.PolicyCheck ? """{"device":"3-2"}""" : "{}"));

    [Fact]
    public void History_json_is_the_entries_of_the_pages()
    {
        var (code, output, _) = _daemon.Usbpassctl("history", "--limit", "2", "--json");

        Assert.Equal(0, code);
        var page = (HistoryPage)Answers[Methods.HistoryList](default);
        Assert.Equal(JsonSerializer.Serialize(page.Entries, ProtocolJson.Indented.GetTypeInfo(typeof(HistoryRecord[]))) + "\n", output);
    }

    [Fact]
    public void Watch_prints_a_line_per_event_until_the_daemon_goes()
    {
        var (code, output, error) = _daemon.Usbpassctl("watch");

        Assert.Equal(1, code);
        Assert.Equal("usbpassctl: usbpassd closed the connection (was it stopped or restarted?)\n", error);
        string[] lines = output.Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Equal("watching device events (Ctrl+C to stop)", lines[0]);
        Assert.Matches("^[0-2][0-9]:[0-5][0-9]:[0-5][0-9] ", lines[1]);
        Assert.Equal(" added    3-2       46f4:0001  QEMU QEMU USB HARDDRIVE  available  id 8 (replaces 6)", lines[1][8..]);
        Assert.Equal(" changed  3-2       46f4:0001  QEMU QEMU USB HARDDRIVE  attached  id 8", lines[2][8..]);
        Assert.Equal("", lines[3]);
    }

    [Fact]
    public void Watch_json_is_one_notification_a_line_and_the_notice_on_stderr()
    {
        var (code, output, error) = _daemon.Usbpassctl("watch", "--json");

        Assert.Equal(1, code);
        Assert.Equal("watching device events (Ctrl+C to stop)\nusbpassctl: usbpassd closed the connection (was it stopped or restarted?)\n", error);
        Assert.Equal(string.Concat(Events.Select(e => e.Replace("\"jsonrpc\":\"2.0\",", "", StringComparison.Ordinal) + "\n")), output);
    }

    [Fact]
    public void The_daemons_error_is_one_line_on_stderr_and_exit_1()
    {
        var (code, output, error) = _daemon.Usbpassctl("show", "9-9", "--json");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal("usbpassctl: no device with port_id 9-9 ('usbpassctl list' shows the devices)\n", error);
    }

    [Fact]
    public void No_daemon_is_advice_and_exit_1()
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        string socket = Path.Combine(Path.GetTempPath(), $"usbpassd-none-{Guid.NewGuid():N}.sock");

        int code = UsbPassd.Cli.UsbPassctl.Run(["list", "--socket", socket], output, error);

        Assert.Equal(1, code);
        Assert.Equal("", output.ToString());
        Assert.Equal($"usbpassctl: usbpassd is not running (no socket at {socket}): start it with 'systemctl start usbpassd'\n", error.ToString());
    }
}
