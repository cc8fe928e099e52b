using System.Text.Json;
using UsbPassd.Testing;
using UsbPassd.Testing.Lab;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Lab;

/// <summary>
/// A live attach of a real USB device to a running L2 guest costs its own libvirt calls and no
/// reconcile: libvirt's device-added event for our alias is settled by the ledger. The figures
/// (libvirt calls per live attach, by function) go to the test output.
/// </summary>
[Collection(LabGroup.Name)]
public sealed class OwnAttachLabTests(LabFixture fx, ITestOutputHelper output)
{
    private const string Calls = "usbpassd_libvirt_calls_total";
    private const string XmlReads = Calls + "{function=\"virDomainGetXMLDesc\"}";
    private const string Lists = Calls + "{function=\"virConnectListAllDomains\"}";
    private const string Settled = "usbpassd_own_hostdevs_settled_total";
    private const string Passes = "usbpassd_reconciles_total";
    private const string Pending = "usbpassd_reconciles_pending";
    private const string Requests = "usbpassd_reconcile_requests_total";
    private static readonly string[] Causes = ["lifecycle", "hostdev", "own_hostdev"];

    private LabHost Lab => fx.Lab;

    [Fact]
    public Task A_live_attach_is_settled_by_its_own_event_without_reading_every_domain() => LabScenario.RunAsync(fx, output, "own", async lab =>
    {
        LabDaemon daemon = await lab.StartDaemonAsync(LabDaemon.WithLibvirt);
        UsbStorage stick = await lab.PlugAsync(new UsbStorage("own-stick", "4", Serial: "OWN-0001"));
        await lab.StartDomainAsync("l2-own");
        await daemon.WaitForRowsAsync("deleted = 0 AND dev_id = '46f4:0001:OWN-0001'", 1);
        Dictionary<string, double> before = await BarrierAsync(daemon, "ua-own-barrier-1");

        Assert.Contains("attached", await lab.RunAsync(daemon.Ctl($"attach {stick.PortId} l2-own")));
        Assert.Contains("QEMU USB HARDDRIVE", await lab.GuestUsbAsync("l2-own"));
        Dictionary<string, double> attached = await UntilAsync(daemon, m => m[Settled] > before[Settled], "our hostdev settled");
        Assert.Equal(before[Passes], attached[Passes]);
        Assert.Equal(before[Lists], attached[Lists]);
        output.WriteLine($"lab: one live attach (auto: live and config) costs libvirt calls {Delta(before, attached)}");

        // Whatever the attach still had on its way (a lifecycle event for the definition) came before this.
        Dictionary<string, double> after = await BarrierAsync(daemon, "ua-own-barrier-2");
        foreach (string cause in Causes)
        {
            Assert.Equal(before[$"{Requests}{{cause=\"{cause}\"}}"] + (cause == "hostdev" ? 1 : 0), after[$"{Requests}{{cause=\"{cause}\"}}"]);
        }

        output.WriteLine($"lab: a reconcile (what followed our own attach before): libvirt calls {Delta(attached, after)}");
        Assert.True(after[XmlReads] > attached[XmlReads]);
    });

    // Hot-plugs an emulated USB tablet under someone else's alias and waits until the reconcile it
    // asks for ran: every libvirt event before it was handled, and nothing is left to reconcile.
    private async Task<Dictionary<string, double>> BarrierAsync(LabDaemon daemon, string alias)
    {
        string key = $"{Requests}{{cause=\"hostdev\"}}";
        double asked = (await MetricsAsync(daemon))[key];
        await Lab.RunAsync($"echo \"<input type='tablet' bus='usb'><alias name='{alias}'/></input>\" > /tmp/{alias}.xml && virsh -q attach-device l2-own /tmp/{alias}.xml --live >/dev/null");
        return await UntilAsync(daemon, m => m[key] > asked && m[Pending] == 0, $"the reconcile {alias} asks for");
    }

    private async Task<Dictionary<string, double>> UntilAsync(LabDaemon daemon, Func<Dictionary<string, double>, bool> wanted, string what)
    {
        Dictionary<string, double> m = [];
        for (var until = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < until; await Task.Delay(200))
        {
            m = await MetricsAsync(daemon);
            if (wanted(m))
            {
                return m;
            }
        }

        Assert.Fail($"no {what} within 60 s");
        return m;
    }

    private async Task<Dictionary<string, double>> MetricsAsync(LabDaemon daemon) =>
        PrometheusSamples.Parse(JsonDocument.Parse(await Lab.RunAsync(daemon.Send(LabDaemon.Request("metrics.get", "{}")))).RootElement.GetProperty("result").GetProperty("text").GetString()!);

    private static string Delta(Dictionary<string, double> from, Dictionary<string, double> to) => PrometheusSamples.Growth(from, to, Calls);
}
