using System.Net;
using System.Text.Json.Nodes;
using UsbPassd.Testing.Fleet;
using UsbPassd.Tests.Integration.Placement;

namespace UsbPassd.Tests.Integration.Fleet;

/// <summary>
/// usbpassctl fleet list / place / release against a real Placement holding three synced hosts
/// (<see cref="FleetFixture"/>): what each prints, what Placement holds afterwards, and the failures
/// (no match, all taken, Placement down, a refused token, an endpoint that may not carry a token).
/// Each test uses its own devices and consumers.
/// </summary>
public sealed class FleetCommandTests(FleetFixture fleet) : IClassFixture<FleetFixture>
{
    private static string NewConsumer() => Guid.NewGuid().ToString();

    private async Task<JsonObject> AllocationsOfAsync(string consumer) => (JsonObject)(await fleet.Reader.GetAsync($"/allocations/{consumer}"))["allocations"]!;

    [Fact]
    public void List_shows_every_host_s_devices_the_unavailable_one_and_the_labels()
    {
        (int code, string text, string err) = fleet.Fleet("fleet", "list");
        Assert.True(code == 0, err);
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("HOST", lines[0]);
        Assert.Equal(["HOST", "DEVICE", "ID", "SERIAL", "LABELS", "STATE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(lines, l => l.StartsWith(FleetFixture.Host(0), StringComparison.Ordinal) && l.Contains("FLEET0000D03", StringComparison.Ordinal) && l.EndsWith("unavailable", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("FLEET0001D00", StringComparison.Ordinal) && l.Contains("BENCH_POOL_H", StringComparison.Ordinal));
        Assert.Contains("12 devices on 3 hosts", text);

        (code, string json, _) = fleet.Fleet("fleet", "list", "--json");
        Assert.Equal(0, code);
        JsonArray devices = JsonNode.Parse(json)!.AsArray();
        Assert.Equal(FleetFixture.Hosts * FleetFixture.Devices, devices.Count);
        JsonNode unavailable = Assert.Single(devices, d => d!["state"]!.GetValue<string>() == "unavailable")!;
        Assert.Equal(FleetFixture.Host(0), unavailable["host"]!.GetValue<string>());
        Assert.Equal(1, unavailable["reserved"]!.GetValue<int>());
        Assert.Equal("CUSTOM_USB_SERIAL_FLEET0000D03", unavailable["serial_trait"]!.GetValue<string>());
        Assert.All(devices, d => Assert.Contains("CUSTOM_USBPASSD_DEVICE", d!["traits"]!.AsArray().Select(t => t!.GetValue<string>())));
        string id = FleetHosts.Identities[0].VendorId!.ToLowerInvariant() + ":" + FleetHosts.Identities[0].ProductId!.ToLowerInvariant();
        Assert.Equal(FleetFixture.Hosts, devices.Count(d => d!["vid_pid"]!.GetValue<string>() == id));
    }

    [Fact]
    public async Task Place_by_serial_allocates_that_device_on_its_host_then_it_is_in_use_and_release_frees_it()
    {
        string consumer = NewConsumer();
        (int code, string text, string err) = fleet.Fleet("fleet", "place", "--serial", "FLEET0001D02", "--consumer", consumer, "--project", "p1", "--user", "u1");
        Assert.True(code == 0, err);
        Assert.Contains($"on host {FleetFixture.Host(1)}", text);
        Assert.Contains($"Host:     {FleetFixture.Host(1)}", text);

        string provider = Assert.Single(await AllocationsOfAsync(consumer)).Key;
        Assert.Equal(FleetHosts.Offer(FleetFixture.Host(1), 1, 2).Uuid.ToString(), provider);
        JsonNode allocation = await fleet.Reader.GetAsync($"/allocations/{consumer}");
        Assert.Equal("p1", allocation["project_id"]!.GetValue<string>());
        Assert.Equal("INSTANCE", allocation["consumer_type"]!.GetValue<string>());

        (code, _, err) = fleet.Fleet("fleet", "place", "--serial", "FLEET0001D02", "--consumer", NewConsumer());
        Assert.Equal(1, code);
        Assert.Contains("no device is free: all 1 that match serial FLEET0001D02 are in use or unavailable", err);

        (_, string json, _) = fleet.Fleet("fleet", "list", "--json");
        JsonNode used = JsonNode.Parse(json)!.AsArray().Single(d => d!["provider"]!.GetValue<string>() == provider)!;
        Assert.Equal("in use", used["state"]!.GetValue<string>());
        Assert.Equal(consumer, Assert.Single(used["consumers"]!.AsArray())!.GetValue<string>());
        (_, text, _) = fleet.Fleet("fleet", "list");
        Assert.Contains($"in use by {consumer}", text);

        (code, text, _) = fleet.Fleet("fleet", "release", "--consumer", consumer);
        Assert.Equal(0, code);
        Assert.Contains($"Released consumer {consumer}", text);
        Assert.Empty(await AllocationsOfAsync(consumer));

        (code, _, err) = fleet.Fleet("fleet", "release", "--consumer", consumer);
        Assert.Equal(1, code);
        Assert.Contains("holds no allocations", err);
    }

    [Fact]
    public async Task A_consumer_that_holds_an_allocation_is_told_to_release_it_first()
    {
        string consumer = NewConsumer();
        Assert.Equal(0, fleet.Fleet("fleet", "place", "--serial", "FLEET0002D01", "--consumer", consumer).Code);
        (int code, _, string err) = fleet.Fleet("fleet", "place", "--serial", "FLEET0002D02", "--consumer", consumer);
        Assert.Equal(1, code);
        Assert.Contains($"already holds allocations", err);
        Assert.Contains($"usbpassctl fleet release --consumer {consumer}", err);
        Assert.Single(await AllocationsOfAsync(consumer)); // the first stays, nothing added
        Assert.Equal(0, fleet.Fleet("fleet", "release", "--consumer", consumer).Code);
    }

    [Fact]
    public async Task Dry_run_names_a_host_and_writes_nothing()
    {
        string consumer = NewConsumer();
        string id = FleetHosts.Identities[1].VendorId + ":" + FleetHosts.Identities[1].ProductId;
        (int code, string text, string err) = fleet.Fleet("fleet", "place", "--vid-pid", id, "--host", FleetFixture.Host(2), "--consumer", consumer, "--dry-run");
        Assert.True(code == 0, err);
        Assert.Contains($"Would place consumer {consumer} on host {FleetFixture.Host(2)}", text);
        Assert.Contains("Nothing written", text);
        Assert.Empty(await AllocationsOfAsync(consumer));
    }

    [Fact]
    public async Task A_class_and_label_request_lands_on_a_labelled_device_and_json_says_where()
    {
        string consumer = NewConsumer();
        (int code, string json, string err) = fleet.Fleet("fleet", "place", "--class", FleetHosts.ResourceClass(0), "--label", FleetFixture.Label, "--consumer", consumer, "--json");
        Assert.True(code == 0, err);
        JsonNode placed = JsonNode.Parse(json)!;
        Assert.Equal("placed", placed["result"]!.GetValue<string>());
        string host = placed["host"]!.GetValue<string>();
        Assert.Contains(host, new[] { FleetFixture.Host(1), FleetFixture.Host(2) });
        Assert.Equal(placed["provider"]!.GetValue<string>(), Assert.Single(await AllocationsOfAsync(consumer)).Key);
        Assert.Equal(0, fleet.Fleet("fleet", "release", "--consumer", consumer).Code);
    }

    [Fact]
    public void No_match_and_an_unavailable_device_are_told_apart()
    {
        (int code, _, string err) = fleet.Fleet("fleet", "place", "--serial", "NOSUCHSERIAL", "--consumer", NewConsumer());
        Assert.Equal(1, code);
        Assert.Contains("no USB device in Placement matches serial NOSUCHSERIAL", err);

        (code, _, err) = fleet.Fleet("fleet", "place", "--serial", "FLEET0000D03", "--consumer", NewConsumer());
        Assert.Equal(1, code);
        Assert.Contains("no device is free: all 1 that match serial FLEET0000D03 are in use or unavailable", err);

        (code, _, err) = fleet.Fleet("fleet", "place", "--vid-pid", "ffff:fffe", "--consumer", NewConsumer());
        Assert.Equal(1, code);
        Assert.Contains("no USB device in Placement matches CUSTOM_USB_FFFF_FFFE", err);
    }

    [Fact]
    public void Usage_errors_say_what_to_write()
    {
        (int code, _, string err) = fleet.Fleet("fleet", "place", "--consumer", NewConsumer());
        Assert.Equal(2, code);
        Assert.Contains("say which device", err);

        (code, _, err) = fleet.Fleet("fleet", "place", "--serial", "X", "--consumer", "not-a-uuid");
        Assert.Equal(2, code);
        Assert.Contains("--consumer must be a UUID", err);

        (code, _, err) = fleet.Fleet("fleet", "place", "--vid-pid", "0781", "--consumer", NewConsumer());
        Assert.Equal(2, code);
        Assert.Contains("is not VENDOR:PRODUCT in hex", err);
    }

    [Fact]
    public void Placement_down_is_said_with_what_to_check()
    {
        (int code, _, string err) = FleetFixture.Usbpassctl("fleet", "list", "--placement-url", $"http://127.0.0.1:{PlacementServer.FreePort()}", "--token", "admin");
        Assert.Equal(1, code);
        Assert.Contains("is unreachable", err);
        Assert.Contains("Is Placement running", err);
    }

    [Fact]
    public void A_refused_token_is_said_with_what_to_check()
    {
        using var proxy = new RecordingProxy(fleet.Placement.Url) { StripToken = true };
        (int code, _, string err) = FleetFixture.Usbpassctl("fleet", "list", "--placement-url", proxy.Url, "--token", "admin");
        Assert.Equal(1, code);
        Assert.Contains("refused the token (401)", err);
        Assert.Contains("The token is refused", err);
    }

    [Fact]
    public void Plain_http_to_another_host_and_no_placement_at_all_are_usage_errors()
    {
        (int code, _, string err) = FleetFixture.Usbpassctl("fleet", "list", "--placement-url", "http://placement.example:8778", "--token", "admin");
        Assert.Equal(2, code);
        Assert.Contains("not https and not this host", err);

        (code, _, err) = FleetFixture.Usbpassctl("fleet", "list", "--config", "/nonexistent/usbpassd.json");
        Assert.Equal(2, code);
        Assert.Contains("no Placement to ask: pass --os-cloud NAME", err);
        Assert.Contains("/nonexistent/usbpassd.json does not exist", err);
    }

    [Fact]
    public void The_daemon_s_config_file_says_where_placement_is()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("usbpassctl-fleet-").FullName, "usbpassd.json");
        File.WriteAllText(file, $$"""{ "libvirt_uri": "none", "placement": { "endpoint": "{{fleet.Placement.Url}}", "token": "admin" } }""");
        (int code, string text, string err) = FleetFixture.Usbpassctl("fleet", "list", "--config", file);
        Assert.True(code == 0, err);
        Assert.Contains("12 devices on 3 hosts", text);
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
    }
}
