using System.Text.Json;
using System.Xml.Linq;
using UsbPassd.Protocol;
using UsbPassd.Tests.Integration.Libvirt;
using UsbPassd.Tests.Integration.Rpc;
using static UsbPassd.Tests.Integration.Migration.MigrationHook;

namespace UsbPassd.Tests.Integration.Migration;

/// <summary>
/// Live migration with this machine's libvirtd and the recorded camera host (one 04a9:31c0, no twin):
/// the decision reaches the domain's metadata; the shipped hook, given the domain's XML under a UUID
/// this host does not know (an incoming migration), refuses, drops or looks for an equivalent.
/// </summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class MigrationLibvirtTests(LibvirtDaemonFixture daemon) : IClassFixture<LibvirtDaemonFixture>
{
    private const string Camera = "1-1.5.2.3";

    // The recorded host's bus 1: the root hub, two hubs, the camera.
    private static readonly int[] Plugged = [1, 2, 3, 5, 11];

    private static async Task<JsonElement> AskAsync(WireClient c, string method, string parameters) => Json(await c.AskAsync(Request(method, parameters)));

    private async Task<(WireClient Client, string Alias)> AttachAsync(string migration)
    {
        WireClient c = await daemon.ConnectAsync();
        JsonElement attached = await AskAsync(c, Methods.DevicesAttach, $$"""{"device":"{{Camera}}","instance":"{{daemon.Domain}}","migration":"{{migration}}"}""");
        Assert.True(attached.TryGetProperty("result", out JsonElement result), attached.ToString());
        Assert.Equal(migration, result.GetProperty("migration").GetString());
        return (c, result.GetProperty("alias").GetString()!);
    }

    private async Task DetachAsync(WireClient c)
    {
        JsonElement detached = await AskAsync(c, Methods.DevicesDetach, $$"""{"device":"{{Camera}}","instance":"{{daemon.Domain}}"}""");
        Assert.True(detached.TryGetProperty("result", out _), detached.ToString());
        c.Dispose();
    }

    private (int Exit, string Stdout, string Stderr) Hook(string xml) => Run(daemon.Socket, daemon.Directory, daemon.Domain, xml);

    [Fact]
    public async Task The_decision_is_written_into_the_metadata_changed_by_set_migration_and_judged_by_migration_check()
    {
        (WireClient c, string alias) = await AttachAsync("equivalent");
        try
        {
            XElement entry = Assert.Single(Entries(Inactive(daemon.Domain)));
            JsonElement camera = (await AskAsync(c, Methods.DevicesGet, $$"""{"port_id":"{{Camera}}"}""")).GetProperty("result");
            Assert.Equal((alias, camera.GetProperty("dev_id").GetString(), "04a9", "31c0", "equivalent"),
                ((string?)entry.Attribute("alias"), (string?)entry.Attribute("dev_id"), (string?)entry.Attribute("vendor"), (string?)entry.Attribute("product"), (string?)entry.Attribute("migration")));
            Assert.Null(entry.Attribute("label")); // no policy file: no rule, no label

            JsonElement check = (await AskAsync(c, Methods.InstancesMigrationCheck, $$"""{"instance":"{{daemon.Domain}}"}""")).GetProperty("result");
            Assert.True(check.GetProperty("allowed").GetBoolean());
            JsonElement device = check.GetProperty("devices").EnumerateArray().Single();
            Assert.Equal(("equivalent", true, "needs-equivalent"), (device.GetProperty("migration").GetString(), device.GetProperty("explicit").GetBoolean(), device.GetProperty("outcome").GetString()));
            Assert.Contains("a free 04a9:31c0", device.GetProperty("why").GetString(), StringComparison.Ordinal);

            JsonElement dropped = (await AskAsync(c, Methods.DevicesSetMigration, $$"""{"device":"{{Camera}}","migration":"drop"}""")).GetProperty("result");
            Assert.Equal(("drop", alias), (dropped.GetProperty("migration").GetString(), dropped.GetProperty("alias").GetString()));
            Assert.Equal("drop", (string?)Assert.Single(Entries(Inactive(daemon.Domain))).Attribute("migration"));
            check = (await AskAsync(c, Methods.InstancesMigrationCheck, $$"""{"instance":"{{daemon.Domain}}"}""")).GetProperty("result");
            Assert.True(check.GetProperty("allowed").GetBoolean());
            Assert.Equal("dropped", check.GetProperty("devices")[0].GetProperty("outcome").GetString());
            Assert.Equal(camera.GetProperty("instance_uuid").GetString(), check.GetProperty("instance_uuid").GetString());

            await AskAsync(c, Methods.DevicesSetMigration, $$"""{"device":"{{Camera}}","migration":"refuse"}""");
            check = (await AskAsync(c, Methods.InstancesMigrationCheck, $$"""{"instance":"{{daemon.Domain}}"}""")).GetProperty("result");
            Assert.False(check.GetProperty("allowed").GetBoolean());
            Assert.Equal("blocks", check.GetProperty("devices")[0].GetProperty("outcome").GetString());
            Assert.Contains("(migration: refuse)", check.GetProperty("devices")[0].GetProperty("why").GetString(), StringComparison.Ordinal);
            Assert.Equal("refuse", (string?)Assert.Single(Entries(Inactive(daemon.Domain))).Attribute("migration"));

            JsonElement bad = await AskAsync(c, Methods.DevicesSetMigration, $$"""{"device":"{{Camera}}","migration":"teleport"}""");
            Assert.True(bad.TryGetProperty("error", out _), bad.ToString());
        }
        finally
        {
            await DetachAsync(c);
        }
    }

    [Fact]
    public async Task Refuse_the_very_device_is_held_here_so_the_hook_refuses_and_says_why()
    {
        (WireClient c, _) = await AttachAsync("refuse");
        try
        {
            (int exit, string stdout, string stderr) = Hook(Incoming(daemon.Domain, NewUuid()));
            Assert.Equal(1, exit);
            Assert.Equal("", stdout); // libvirt must not take a refusal for a domain XML
            Assert.StartsWith("usbpassd: usbpassd on ", stderr, StringComparison.Ordinal);
            Assert.Contains("(migration: refuse)", stderr, StringComparison.Ordinal);
            Assert.Contains("that very device is not free on this host", stderr, StringComparison.Ordinal);
        }
        finally
        {
            await DetachAsync(c);
        }
    }

    [Fact]
    public async Task Drop_the_hook_prints_the_whole_domain_with_our_hostdev_pointed_at_nothing_and_reserves_nothing()
    {
        (WireClient c, string alias) = await AttachAsync("drop");
        string uuid = NewUuid();
        try
        {
            string incoming = Incoming(daemon.Domain, uuid);
            (int exit, string stdout, string stderr) = Hook(incoming);
            Assert.Equal((0, ""), (exit, stderr));

            XElement before = XDocument.Parse(incoming).Root!, after = XDocument.Parse(stdout).Root!;
            Assert.Equal(uuid, (string?)after.Element("uuid"));
            Assert.Equal(before.Elements().Select(e => e.Name), after.Elements().Select(e => e.Name)); // a whole domain, not a fragment
            XElement source = Hostdev(stdout, alias).Element("source")!;
            Assert.Equal("optional", (string?)source.Attribute("startupPolicy"));
            XElement address = source.Element("address")!;
            Assert.Equal("1", (string?)address.Attribute("bus"));
            Assert.DoesNotContain(int.Parse((string)address.Attribute("device")!, System.Globalization.CultureInfo.InvariantCulture), Plugged);
            Assert.True(XNode.DeepEquals(Hostdev(incoming, alias).Element("address"), Hostdev(stdout, alias).Element("address"))); // the guest side stays

            JsonElement reserved = await AskAsync(c, Methods.InstancesDevices, $$"""{"instance":"{{uuid}}"}""");
            Assert.Equal(0, reserved.GetProperty("result").GetArrayLength());
            JsonElement camera = (await AskAsync(c, Methods.DevicesGet, $$"""{"port_id":"{{Camera}}"}""")).GetProperty("result");
            Assert.NotEqual(uuid, camera.GetProperty("instance_uuid").GetString());
        }
        finally
        {
            await DetachAsync(c);
        }
    }

    [Fact]
    public async Task Equivalent_without_a_twin_on_this_host_the_hook_refuses_with_the_model()
    {
        (WireClient c, _) = await AttachAsync("equivalent");
        try
        {
            (int exit, string stdout, string stderr) = Hook(Incoming(daemon.Domain, NewUuid()));
            Assert.Equal((1, ""), (exit, stdout));
            Assert.StartsWith("usbpassd: usbpassd on ", stderr, StringComparison.Ordinal);
            Assert.Contains($"no free 04a9:31c0 for instance {daemon.Domain} (migration: equivalent): all 1 here are held by other instances", stderr, StringComparison.Ordinal);
        }
        finally
        {
            await DetachAsync(c);
        }
    }

    [Fact]
    public async Task A_hostdev_without_our_metadata_is_refused_as_carrying_no_decision()
    {
        (WireClient c, string alias) = await AttachAsync("drop");
        try
        {
            XDocument stripped = XDocument.Parse(Incoming(daemon.Domain, NewUuid()));
            stripped.Root!.Element("metadata")!.Remove();
            (int exit, string stdout, string stderr) = Hook(stripped.ToString());
            Assert.Equal((1, ""), (exit, stdout));
            Assert.StartsWith("usbpassd: usbpassd on ", stderr, StringComparison.Ordinal);
            Assert.Contains($"hostdev {alias} (04a9:31c0) of instance {daemon.Domain} carries no migration decision from its source", stderr, StringComparison.Ordinal);
        }
        finally
        {
            await DetachAsync(c);
        }
    }
}
