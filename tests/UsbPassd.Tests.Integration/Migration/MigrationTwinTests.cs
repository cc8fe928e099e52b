using System.Text.Json;
using System.Xml.Linq;
using UsbPassd.Protocol;
using UsbPassd.Tests.Integration.Libvirt;
using UsbPassd.Tests.Integration.Rpc;
using static UsbPassd.Tests.Integration.Migration.MigrationHook;

namespace UsbPassd.Tests.Integration.Migration;

/// <summary>
/// Equivalent with a twin: the made-up host of <see cref="StreamJsonRpcFixture"/> has two keys of one
/// model (46f4:0001 at 1-1 and 1-2) under a rule labelled "test keys". The domain holds 1-1; the same
/// domain arriving under a new UUID is given 1-2.
/// </summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class MigrationTwinTests(StreamJsonRpcFixture daemon) : IClassFixture<StreamJsonRpcFixture>
{
    [Fact]
    public async Task Equivalent_reserves_the_free_twin_and_the_hook_points_our_hostdev_at_it()
    {
        using WireClient c = await daemon.ConnectAsync();
        JsonElement attached = Json(await c.AskAsync(Request(Methods.DevicesAttach, $$"""{"device":"1-1","instance":"{{daemon.Domain}}","migration":"equivalent"}""")));
        Assert.True(attached.TryGetProperty("result", out JsonElement result), attached.ToString());
        string alias = result.GetProperty("alias").GetString()!;
        string uuid = NewUuid();
        try
        {
            XElement entry = Assert.Single(Entries(Inactive(daemon.Domain)));
            Assert.Equal(("equivalent", "test keys", StreamJsonRpcFixture.DevId("1-1")), ((string?)entry.Attribute("migration"), (string?)entry.Attribute("label"), (string?)entry.Attribute("dev_id")));

            (int exit, string stdout, string stderr) = Run(daemon.Socket, daemon.Directory, daemon.Domain, Incoming(daemon.Domain, uuid));
            Assert.Equal((0, ""), (exit, stderr));
            XElement source = Hostdev(stdout, alias).Element("source")!;
            Assert.Equal(("1", "3"), ((string?)source.Element("address")!.Attribute("bus"), (string?)source.Element("address")!.Attribute("device"))); // 1-2's bus and device number
            Assert.Equal(uuid, (string?)XDocument.Parse(stdout).Root!.Element("uuid"));

            JsonElement twin = Json(await c.AskAsync(Request(Methods.DevicesGet, """{"port_id":"1-2"}"""))).GetProperty("result");
            Assert.Equal(("reserved", uuid), (twin.GetProperty("status").GetString(), twin.GetProperty("instance_uuid").GetString()));
            JsonElement own = Json(await c.AskAsync(Request(Methods.DevicesGet, """{"port_id":"1-1"}"""))).GetProperty("result");
            Assert.Equal(daemon.DomainUuid, own.GetProperty("instance_uuid").GetString()); // the source's device is not touched

            // Tried again (libvirt retries a migration): the reservation is chosen again, not doubled or refused.
            (exit, stdout, stderr) = Run(daemon.Socket, daemon.Directory, daemon.Domain, Incoming(daemon.Domain, uuid));
            Assert.Equal((0, ""), (exit, stderr));
            Assert.Equal("3", (string?)Hostdev(stdout, alias).Element("source")!.Element("address")!.Attribute("device"));

            JsonElement released = Json(await c.AskAsync(Request(Methods.DevicesRelease, $$"""{"device":"1-2","instance_uuid":"{{uuid}}"}""")));
            Assert.Equal("available", released.GetProperty("result").GetProperty("device").GetProperty("status").GetString());
        }
        finally
        {
            await c.AskAsync(Request(Methods.DevicesRelease, $$"""{"device":"1-2","instance_uuid":"{{uuid}}"}"""));
            await c.AskAsync(Request(Methods.DevicesDetach, $$"""{"device":"1-1","instance":"{{daemon.Domain}}"}"""));
        }
    }
}
