using System.Diagnostics;
using System.Text.Json;
using UsbPassd.Testing.Lab;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Lab;

/// <summary>Discovery on a real kernel's sysfs, with devices plugged, pulled and moved over QMP.</summary>
[Collection(LabGroup.Name)]
public sealed class DiscoveryLabTests
{
    private readonly LabFixture _fx;
    private readonly ITestOutputHelper _output;

    public DiscoveryLabTests(LabFixture fx, ITestOutputHelper output)
    {
        _fx = fx;
        _fx.Output = output;
        _output = output;
    }

    private Task ScenarioAsync(string name, Func<LabScenario, Task> test) => LabScenario.RunAsync(_fx, _output, name, test);

    private static JsonElement At(List<JsonElement> scan, string portId) =>
        scan.SingleOrDefault(d => d.GetProperty("port_id").GetString() == portId) is { ValueKind: JsonValueKind.Object } d
            ? d
            : throw new Xunit.Sdk.XunitException($"no device at {portId}; the scan has {string.Join(", ", scan.Select(x => x.GetProperty("port_id").GetString()))}");

    private static string Id(JsonElement d) => $"{d.GetProperty("vendor_id").GetString()}:{d.GetProperty("product_id").GetString()}";

    [Fact]
    public async Task Sees_each_device_plugged_at_boot_with_its_ids_serial_and_port()
    {
        List<JsonElement> scan = await _fx.ScanAsync();

        foreach (LabDevice device in LabFixture.AtBoot)
        {
            Assert.Equal(device.UsbId, Id(At(scan, device.PortId)));
        }

        JsonElement key = At(scan, LabFixture.Key.PortId);
        Assert.Equal("KEY-0001", key.GetProperty("serial").GetString());
        Assert.Equal("46f4:0001:KEY-0001", key.GetProperty("dev_id").GetString());
        Assert.Equal(5000, key.GetProperty("speed_mbps").GetDouble());
        Assert.Equal("08", key.GetProperty("interfaces")[0].GetProperty("class").GetString());
        Assert.Equal("0b", At(scan, LabFixture.Reader.PortId).GetProperty("interfaces")[0].GetProperty("class").GetString());
        Assert.True(key.GetProperty("eligible").GetBoolean());

        // Root hubs of both controllers (xHCI's USB 2 and USB 3 buses, EHCI), never eligible.
        foreach (string root in new[] { "usb1", "usb2", "usb3" })
        {
            Assert.Equal("root_hub", At(scan, root).GetProperty("ineligible_reason").GetString());
        }
    }

    [Fact]
    public async Task A_hub_with_two_devices_gives_dotted_port_paths()
    {
        List<JsonElement> scan = await _fx.ScanAsync();

        JsonElement hub = At(scan, "1-3");
        Assert.True(hub.GetProperty("is_hub").GetBoolean());
        Assert.Equal("hub", hub.GetProperty("ineligible_reason").GetString());
        foreach (string port in new[] { "1-3.1", "1-3.2" })
        {
            JsonElement d = At(scan, port);
            Assert.Equal("1-3", d.GetProperty("parent_port_id").GetString());
            Assert.True(d.GetProperty("eligible").GetBoolean());
        }
    }

    [Fact]
    public Task An_unplugged_device_is_gone() => ScenarioAsync("unplug", async lab =>
    {
        UsbKeyboard kbd = await lab.PlugAsync(new UsbKeyboard("kbd-unplug", "4"));

        Assert.Equal(kbd.UsbId, Id(At(await _fx.ScanAsync(), kbd.PortId)));

        await lab.UnplugAsync(kbd);

        Assert.DoesNotContain(await _fx.ScanAsync(), d => d.GetProperty("port_id").GetString() == kbd.PortId);
    });

    [Fact]
    public Task A_device_replugged_into_another_port_keeps_its_dev_id() => ScenarioAsync("moving", async lab =>
    {
        var first = new UsbStorage("moving", "5", Serial: "REPLUG-0001");
        var second = first with { Port = "2", Controller = LabController.Ehci };
        await lab.PlugAsync(first);
        JsonElement before = At(await _fx.ScanAsync(), first.PortId);
        await lab.UnplugAsync(first);

        await lab.PlugAsync(second);
        JsonElement after = At(await _fx.ScanAsync(), second.PortId);

        Assert.NotEqual(before.GetProperty("port_id").GetString(), after.GetProperty("port_id").GetString());
        Assert.NotEqual(before.GetProperty("bus_id").GetInt32(), after.GetProperty("bus_id").GetInt32());
        Assert.Equal("46f4:0001:REPLUG-0001", before.GetProperty("dev_id").GetString());
        Assert.Equal(before.GetProperty("dev_id").GetString(), after.GetProperty("dev_id").GetString());
    });

    [Fact]
    public Task Two_identical_devices_without_serial_are_both_ambiguous() => ScenarioAsync("twins", async lab =>
    {
        UsbStorage a = await lab.PlugAsync(new UsbStorage("twin-a", "6", Serial: ""));
        UsbStorage b = await lab.PlugAsync(new UsbStorage("twin-b", "7", Serial: ""));

        List<JsonElement> scan = await _fx.ScanAsync();
        foreach (LabDevice twin in new[] { a, b })
        {
            JsonElement d = At(scan, twin.PortId);
            Assert.Equal(JsonValueKind.Null, d.GetProperty("serial").ValueKind);
            Assert.True(d.GetProperty("ambiguous").GetBoolean());
            Assert.Equal($"46f4:0001@{twin.PortId}", d.GetProperty("dev_id").GetString());
        }

        Assert.False(At(scan, LabFixture.Key.PortId).GetProperty("ambiguous").GetBoolean()); // same ids, own serial
    });

    [Fact]
    public Task Libvirt_in_the_lab_host_passes_a_device_to_an_L2_guest() => ScenarioAsync("raw", async lab =>
    {
        await lab.StartDomainAsync("l2-raw");

        const string hostdev = "<hostdev mode='subsystem' type='usb'><source><vendor id='0x08e6'/><product id='0x4433'/></source></hostdev>";
        var clock = Stopwatch.StartNew();
        await lab.RunAsync($"echo \"{hostdev}\" > /tmp/h.xml && virsh -q attach-device l2-raw /tmp/h.xml --live");
        _output.WriteLine($"raw libvirt attach (virsh attach-device --live, measured from L0): {clock.Elapsed.TotalSeconds:0.00} s");

        string usb = await lab.GuestUsbAsync("l2-raw");
        Assert.Contains("QEMU USB CCID", usb);

        await lab.RunAsync("virsh -q detach-device l2-raw /tmp/h.xml --live");
        Assert.DoesNotContain("CCID", await lab.GuestUsbAsync("l2-raw"));
    });
}
