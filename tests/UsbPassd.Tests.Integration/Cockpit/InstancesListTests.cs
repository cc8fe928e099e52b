using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Tests.Integration.Libvirt;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Cockpit;

/// <summary>instances.list (the page's VM picker, usbpassctl vms) against this machine's libvirtd.</summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class InstancesListTests(CockpitDaemonFixture daemon) : IClassFixture<CockpitDaemonFixture>
{
    private static JsonElement Result(string line) => JsonDocument.Parse(line).RootElement.GetProperty("result").Clone();

    private static string Request(string method, string parameters = "{}") => $$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{parameters}}}""";

    [Fact]
    public async Task A_shut_off_domain_is_listed_with_the_devices_it_holds()
    {
        using WireClient c = await daemon.ConnectAsync();
        JsonElement mine = Result(await c.AskAsync(Request(Methods.InstancesList))).EnumerateArray().Single(i => i.GetProperty("name").GetString() == daemon.Domain);
        Assert.Equal("shut off", mine.GetProperty("state").GetString());
        Assert.True(mine.GetProperty("persistent").GetBoolean());
        Assert.Equal(0, mine.GetProperty("devices").GetArrayLength());
        string uuid = mine.GetProperty("uuid").GetString()!;
        Assert.Equal(uuid, LocalLibvirt.Shell($"virsh -c qemu:///system domuuid {daemon.Domain}").Trim());

        Result(await c.AskAsync(Request(Methods.DevicesReserve, $$"""{"device":"{{CockpitDaemonFixture.Device}}","instance_uuid":"{{uuid}}"}""")));
        try
        {
            JsonElement holding = Result(await c.AskAsync(Request(Methods.InstancesList))).EnumerateArray().Single(i => i.GetProperty("uuid").GetString() == uuid);
            JsonElement device = Assert.Single(holding.GetProperty("devices").EnumerateArray());
            Assert.Equal(CockpitDaemonFixture.Device, device.GetProperty("port_id").GetString());
            Assert.Equal("reserved", device.GetProperty("status").GetString());

            var output = new StringWriter { NewLine = "\n" };
            var error = new StringWriter();
            Assert.Equal(0, UsbPassd.Cli.UsbPassctl.Run(["vms", "--socket", daemon.Socket], output, error));
            string row = output.ToString().Split('\n').Single(l => l.StartsWith(daemon.Domain + " ", StringComparison.Ordinal));
            Assert.Matches($@"^{daemon.Domain}\s+shut off\s+yes\s+{uuid}\s+{CockpitDaemonFixture.Device} \(reserved\)$", row.TrimEnd());
        }
        finally
        {
            await c.AskAsync(Request(Methods.DevicesRelease, $$"""{"device":"{{CockpitDaemonFixture.Device}}","instance_uuid":"{{uuid}}"}"""));
        }
    }
}
