using System.Text.Json;
using UsbPassd.Policy;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Tests.Integration.Cli;

/// <summary>
/// A device whose serial (so its dev_id) and strings hold a terminal title sequence, CR LF, a C1 CSI and
/// a bidi override: usbpassctl prints them as visible escapes in tables, messages and the daemon's
/// errors, never raw, and --json keeps them exactly.
/// </summary>
public sealed class HostileTextTests : IDisposable
{
    private const string Serial = "\u001b]0;owned\u0007\r\nLICENCE\u009b2J\u202e";
    private const string Shown = "\\x1b]0;owned\\x07\\x0d\\x0aLICENCE\\x9b2J\\u202e";
    private const string DevId = "46f4:0001:" + Serial;
    private const string Instance = "6f1c0a3e-0000-4000-8000-000000000007";

    private static readonly UsbDeviceInfo Info = new()
    {
        PortId = "1-2", BusId = 1, DeviceId = 3, Address = "usb_1_3", DevId = DevId, VendorId = "46f4", ProductId = "0001",
        DeviceClass = "00", Manufacturer = Serial, Product = Serial, ProductName = "Dongle " + Serial, Serial = Serial,
        IsHub = false, IsRootHub = false, Interfaces = [], Ambiguous = false, Eligible = true,
    };

    private static readonly DeviceRecord Device = new()
    {
        Id = 7, Status = "reserved", DevId = DevId, PortId = "1-2", Address = "usb_1_3", VendorId = "46f4", ProductId = "0001",
        Serial = Serial, InstanceUuid = Instance, Present = true, Deleted = false, CreatedAt = "2026-01-01T00:00:00.000Z", Info = Info,
    };

    private readonly FakeDaemon _daemon = new((method, _) => method switch
    {
        Methods.DevicesReserve or Methods.DevicesAttach => Result(new AssignmentResult { Device = Device, InstanceUuid = Instance, State = "reserved", Token = 4 }, ProtocolJson.Default.AssignmentResult),
        Methods.DevicesList or Methods.InstancesDevices => Result(new[] { Device }, ProtocolJson.Default.DeviceRecordArray),
        Methods.DevicesGet => Result(Device, ProtocolJson.Default.DeviceRecord),
        Methods.PolicyCheck => Result(new PolicyCheckResult { Device = Device, Allowed = false, Verdict = "blocked", Reason = $"block: rule 1 'block serial {RuleSyntax.Quote(Serial)}'", Rule = "rule 1", Refusals = [], Overridden = [] }, ProtocolJson.Default.PolicyCheckResult),
        Methods.PolicyShow => Result(new PolicyShowResult { Text = $"block serial {RuleSyntax.Quote(Serial)}\ndefault allow\n", Rules = 1, PolicyFile = "/etc/usbpassd/policy.rules" }, ProtocolJson.Default.PolicyShowResult),
        Methods.HistoryList => Result(new HistoryPage { Entries = [new HistoryRecord { Id = 1, At = "2026-01-01T00:00:00.000Z", DevId = DevId, RowId = 7, Kind = "claim_reserved", InstanceUuid = Instance, By = "uid 0 pid 1 (" + Serial + ")", Rule = Serial }] }, ProtocolJson.Default.HistoryPage),
        Methods.DevicesRelease => $"\"error\":{{\"code\":{ErrorCodes.DeviceOwned},\"message\":{JsonSerializer.Serialize($"device 1-2 ({DevId}) is reserved to another instance", ProtocolJson.Default.String)}}}",
        _ => throw new InvalidOperationException(method),
    });

    public void Dispose() => _daemon.Dispose();

    private static string Result<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) => $"\"result\":{JsonSerializer.Serialize(value, info)}";

    [Theory]
    [InlineData("reserve", "1-2", Instance)]
    [InlineData("attach", "1-2", Instance)]
    [InlineData("instances", Instance)]
    [InlineData("list")]
    [InlineData("show", "1-2")]
    [InlineData("policy", "check", "1-2")]
    [InlineData("history")]
    public void Device_strings_are_printed_as_escapes(params string[] command)
    {
        var (code, output, error) = _daemon.Usbpassctl(command);

        Assert.True(code is 0 or 1, error);
        AssertNothingRaw(output + error);
        Assert.Contains(Shown, output);
    }

    [Fact]
    public void The_policy_keeps_its_lines_and_escapes_what_its_quoting_leaves()
    {
        var (_, output, _) = _daemon.Usbpassctl("policy", "show");

        AssertNothingRaw(output);
        Assert.Equal([$"block serial \"{Shown}\"", "default allow", ""], output.Split('\n'));
    }

    [Fact]
    public void The_daemons_error_is_printed_as_escapes()
    {
        var (code, output, error) = _daemon.Usbpassctl("release", "1-2", Instance);

        Assert.Equal(1, code);
        Assert.Empty(output);
        AssertNothingRaw(error);
        Assert.Equal($"usbpassctl: device 1-2 (46f4:0001:{Shown}) is reserved to another instance\n", error);
    }

    [Theory]
    [InlineData("reserve", "1-2", Instance)]
    [InlineData("list")]
    public void Json_keeps_the_exact_strings_and_nothing_raw(params string[] command)
    {
        var (code, output, _) = _daemon.Usbpassctl([.. command, "--json"]);

        Assert.Equal(0, code);
        AssertNothingRaw(output);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement device = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement[0] : doc.RootElement.GetProperty("device");
        Assert.Equal(DevId, device.GetProperty("dev_id").GetString());
        Assert.Equal(Serial, device.GetProperty("serial").GetString());
    }

    // Line feeds end lines; any other control character, C1, bidi control or line separator is raw.
    private static void AssertNothingRaw(string printed)
    {
        char[] raw = [.. printed.Where(c => c != '\n' && (char.IsControl(c) || c is '\u061c' or '\u200e' or '\u200f' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069') or '\u2028' or '\u2029'))];
        Assert.True(raw.Length == 0, $"raw {string.Join(' ', raw.Select(c => $"U+{(int)c:X4}"))} in:\n{printed}");
    }
}
