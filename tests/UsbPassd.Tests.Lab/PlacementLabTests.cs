using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using UsbPassd.Testing.Lab;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Lab;

/// <summary>
/// The seed's workflow across a fleet (issue 15, item 4): a real Placement on this machine, the lab
/// host's usbpassd keeping its real USB devices there, a scheduler's request for the licence key by
/// serial answered with this host, and the scheduler's allocation honoured when the VM starts.
/// Placement is reached as <see cref="LabPlacement"/> explains; the test calls it with plain HTTP.
/// </summary>
[Collection(LabGroup.Name)]
public sealed class PlacementLabTests(LabFixture fx, ITestOutputHelper output)
{
    // QEMU's usb-storage is 46f4:0001; the licence keys' serials are [A-Z0-9] only, so each is its own trait (docs/placement.md).
    private const string KeyClass = "CUSTOM_USB_46F4_0001";
    private const string HubClass = "CUSTOM_USB_0409_55AA";

    [Fact]
    public Task Real_devices_are_synced_a_request_by_serial_finds_this_host_and_unplug_and_replug_follow() => LabScenario.RunAsync(fx, output, "placement", async lab =>
    {
        LabPlacement placement = await LabPlacement.StartAsync(lab);
        LabDaemon daemon = await lab.StartDaemonAsync($"{LabDaemon.WithLibvirt} --config {LabPlacement.WriteConfig(lab, "placement")}");
        string host = (await lab.RunAsync("hostname")).Trim(); // the root provider's default name, as Nova names its compute node
        var clock = Stopwatch.StartNew();
        UsbStorage key = await lab.PlugAsync(new UsbStorage("placement-key", "6", Serial: "LICENCE0001"));
        const string trait = "CUSTOM_USB_SERIAL_LICENCE0001";

        string provider = await ProviderAsync(placement, trait);
        output.WriteLine($"lab: plugged → its provider free in Placement after {clock.Elapsed.TotalSeconds:0.0} s");
        string root = await placement.ProviderUuidAsync(host) ?? throw new InvalidOperationException($"no root provider named {host}");

        // The devices the lab host booted with are there too (the other stick), under the host's root; hubs never.
        Dictionary<string, JsonNode> children = await placement.Server.ChildrenAsync(host);
        Dictionary<string, string[]> classes = [];
        foreach (string child in children.Keys)
        {
            classes[child] = [.. (await placement.Server.InventoriesAsync(child)).Select(kv => kv.Key)];
        }

        output.WriteLine($"lab: {host}'s providers: {string.Join(", ", children.Values.Select(c => c!["name"]!.GetValue<string>() + " " + string.Join('+', classes[c!["uuid"]!.GetValue<string>()])))}");
        Assert.Contains(provider, children.Keys);
        Assert.Equal(2, classes.Values.Count(c => c.Contains(KeyClass)));
        Assert.DoesNotContain(classes.Values, c => c.Contains(HubClass));

        // A scheduler's request for this exact key: one candidate, the key's provider, on this host.
        LabPlacement.Candidates bySerial = await placement.CandidatesAsync(KeyClass, trait);
        Assert.Equal([provider], Assert.Single(bySerial.ProvidersPerRequest));
        Assert.Equal(root, bySerial.RootOf(provider));
        Assert.Equal(2, (await placement.CandidatesAsync(KeyClass)).Requests.Count); // by class alone, both sticks

        clock.Restart();
        await lab.UnplugAsync(key);
        await UntilReservedAsync(placement, provider, 1);
        output.WriteLine($"lab: unplugged → unavailable (reserved 1) after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Empty((await placement.CandidatesAsync(KeyClass, trait)).Requests);

        // Back in another port: the same provider (its UUID is the root's name and the dev_id), free again.
        clock.Restart();
        await lab.PlugAsync(key with { Id = "placement-key-2", Port = "7" });
        await UntilReservedAsync(placement, provider, 0);
        output.WriteLine($"lab: replugged in another port → available (reserved 0) after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal([provider], Assert.Single((await placement.CandidatesAsync(KeyClass, trait)).ProvidersPerRequest));
        Assert.Equal(children.Count, (await placement.Server.ChildrenAsync(host)).Count);
        Assert.Contains("\"state\":\"connected\"", (await lab.RunAsync(daemon.Send(LabDaemon.Request("host.info", "{}")))).Replace(" ", "", StringComparison.Ordinal));
    });

    // Issue 15 item 2, as docs/placement.md says it:
    // the daemon notices an allocation on one of its providers within placement.poll_seconds (and at
    // the hook's prepare begin), reserves the device for the consumer (instance_uuid = the consumer),
    // attaches it live when the domain with that UUID runs, keeps the allocation across unplug
    // (reserved 1) and replug (reserved 0, attached again), and detaches and frees the device when the
    // allocation is deleted.
    [Fact]
    public Task An_allocation_for_a_new_domain_puts_the_key_in_it_at_start_and_its_deletion_takes_it_back() => LabScenario.RunAsync(fx, output, "placement-alloc", async lab =>
    {
        LabPlacement placement = await LabPlacement.StartAsync(lab);
        LabDaemon daemon = await lab.StartDaemonAsync($"{LabDaemon.WithLibvirt} --config {LabPlacement.WriteConfig(lab, "placement-alloc", ("poll_seconds", 1))}");
        UsbStorage key = await lab.PlugAsync(new UsbStorage("placement-key", "6", Serial: "LICENCE0002"));
        const string trait = "CUSTOM_USB_SERIAL_LICENCE0002", devId = "46f4:0001:LICENCE0002", domain = "l2-placement";
        string provider = await ProviderAsync(placement, trait);

        // The scheduler: candidates for the key by serial, the one answer written as the new instance's allocation.
        LabPlacement.Candidates candidates = await placement.CandidatesAsync(KeyClass, trait);
        JsonObject request = Assert.Single(candidates.Requests);
        Assert.Equal(await placement.ProviderUuidAsync((await lab.RunAsync("hostname")).Trim()), candidates.RootOf(provider));
        string consumer = Guid.NewGuid().ToString();
        var clock = Stopwatch.StartNew();
        await placement.AllocateAsync(consumer, request);

        await UntilDeviceAsync(lab, daemon, devId, "reserved for the consumer", d => d.Owner == consumer && d.Status is "reserved" or "attached");
        output.WriteLine($"lab: allocation written → reserved for {consumer} after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(0, (await placement.InventoryAsync(provider, KeyClass))["reserved"]!.GetValue<int>()); // allocated, not unavailable

        // The VM: a new domain with the consumer's UUID and no hostdev, started; no UsbPassd call from here on.
        clock.Restart();
        await lab.StartDomainAsync(domain, uuid: consumer);
        await UntilInGuestAsync(lab, domain, true);
        output.WriteLine($"lab: domain started → the key in the guest after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Contains("<hostdev", await lab.RunAsync($"virsh dumpxml {domain}"));
        await UntilDeviceAsync(lab, daemon, devId, "attached to the consumer", d => d.Owner == consumer && d.Status == "attached");

        clock.Restart();
        await lab.UnplugAsync(key);
        await UntilReservedAsync(placement, provider, 1);
        output.WriteLine($"lab: unplugged → unavailable (reserved 1) after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal([consumer], await placement.ConsumersAsync(provider));

        clock.Restart();
        await lab.PlugAsync(key);
        await UntilReservedAsync(placement, provider, 0);
        await UntilInGuestAsync(lab, domain, true);
        output.WriteLine($"lab: replugged → available and in the guest again after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal([consumer], await placement.ConsumersAsync(provider));

        clock.Restart();
        await placement.DeleteAllocationsAsync(consumer);
        await UntilInGuestAsync(lab, domain, false);
        await UntilDeviceAsync(lab, daemon, devId, "free", d => d.Owner is null && d.Status == "available");
        output.WriteLine($"lab: allocation deleted → detached and free after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.DoesNotContain("<hostdev", await lab.RunAsync($"virsh dumpxml {domain}"));
        Assert.Equal(0, (await placement.InventoryAsync(provider, KeyClass))["reserved"]!.GetValue<int>());
        Assert.Empty(await placement.ConsumersAsync(provider));
    });

    // The provider that carries this exact device's serial trait, once its inventory is free.
    private static async Task<string> ProviderAsync(LabPlacement placement, string trait)
    {
        string? provider = null;
        await LabPlacement.UntilAsync($"a provider with {trait} and a free {KeyClass}", async () =>
        {
            provider = (await placement.Server.GetAsync($"/resource_providers?required={trait}"))["resource_providers"]!.AsArray().SingleOrDefault()?["uuid"]?.GetValue<string>();
            return provider is not null && (await placement.InventoryAsync(provider, KeyClass))["reserved"]!.GetValue<int>() == 0;
        });
        return provider!;
    }

    private static Task UntilReservedAsync(LabPlacement placement, string provider, int reserved) =>
        LabPlacement.UntilAsync($"provider {provider} has {KeyClass} reserved {reserved}", async () =>
            (await placement.InventoryAsync(provider, KeyClass))["reserved"]!.GetValue<int>() == reserved);

    // HMP "info usb" of the L2 guest's QEMU: the stick is inside the guest.
    private static Task UntilInGuestAsync(LabScenario lab, string domain, bool present) =>
        LabPlacement.UntilAsync($"the key {(present ? "in" : "out of")} guest {domain}", async () =>
            (await lab.GuestUsbAsync(domain)).Contains("QEMU USB HARDDRIVE", StringComparison.Ordinal) == present);

    private static Task UntilDeviceAsync(LabScenario lab, LabDaemon daemon, string devId, string what, Func<(string Status, string? Owner), bool> wanted) =>
        LabPlacement.UntilAsync($"{devId} {what} (usbpassctl show)", async () =>
        {
            using JsonDocument d = JsonDocument.Parse(await lab.RunAsync(daemon.Ctl($"show {devId} --json")));
            JsonElement row = d.RootElement;
            return wanted((row.GetProperty("status").GetString()!, row.TryGetProperty("instance_uuid", out JsonElement o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null));
        });
}
