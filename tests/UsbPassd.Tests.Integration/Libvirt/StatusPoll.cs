using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Libvirt;

/// <summary>
/// Polls a device's status on the wire until it is what a test waits for: lifecycle events and
/// settling are handled on usbpassd's own threads. Bounded (60 s, then the test fails); no timing
/// is asserted.
/// </summary>
internal static class StatusPoll
{
    public static async Task<JsonElement> UntilAsync(WireClient c, string portId, Func<string, bool> wanted, string what)
    {
        JsonElement device = default;
        for (var until = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < until; await Task.Delay(50))
        {
            string reply = await c.AskAsync($$$"""{"jsonrpc":"2.0","id":1,"method":"{{{Methods.DevicesGet}}}","params":{"port_id":"{{{portId}}}"}}""");
            device = JsonDocument.Parse(reply).RootElement.GetProperty("result").Clone();
            if (wanted(device.GetProperty("status").GetString() ?? ""))
            {
                return device;
            }
        }

        Assert.Fail($"device {portId} did not become {what} within 60 s: {device}");
        return device;
    }
}
