using System.Text.Json;
using UsbPassd.Testing;
using UsbPassd.Tests.Integration.Libvirt;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Cockpit;

/// <summary>
/// A device plugged while the page is open: its sysfs directory and the kernel's uevent, replayed
/// into the real daemon (StreamJsonRpcFixture's made-up host), appear as a new row and go again,
/// with no reload.
/// </summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class CockpitHotplugTests(StreamJsonRpcFixture daemon) : IClassFixture<StreamJsonRpcFixture>
{
    private const string Port = "1-3";

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    [FactWhenFileExists(BrowserRun.Chromium, "chromium")]
    public async Task A_plugged_device_appears_and_an_unplugged_one_goes_without_a_reload()
    {
        List<string> done = [];
        JsonElement report;
        using (var ws = new CockpitWs(daemon.Socket))
        {
            report = await BrowserRun.RunAsync("hotplug", ws, daemon.Socket, daemon.Domain, Port, async step =>
            {
                done.Add(step);
                await (step == "plug" ? daemon.PlugAsync(Port, 7) : daemon.UnplugAsync(Port));
            });
        }

        Assert.Equal(["plug", "unplug"], done);
        Assert.DoesNotContain(Port, Strings(report.GetProperty("before")));
        string[] plugged = Strings(report.GetProperty("plugged"));
        Assert.Equal([Port, $"{StreamJsonRpcFixture.Vendor}:{StreamJsonRpcFixture.Product}"], plugged[..2]);
        Assert.Equal($"KEY-{Port}", plugged[3]);
        Assert.Equal("available", plugged[4]);
        Assert.Equal(Strings(report.GetProperty("before")), Strings(report.GetProperty("after")));
        Assert.Equal("first load", report.GetProperty("loadMark").GetString());
    }
}
