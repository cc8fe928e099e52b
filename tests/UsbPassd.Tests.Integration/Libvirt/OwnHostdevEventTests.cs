using System.Text.Json;
using UsbPassd.Libvirt;
using UsbPassd.Protocol;
using UsbPassd.Testing;
using UsbPassd.Tests.Integration.Rpc;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Integration.Libvirt;

/// <summary>
/// libvirt's device-added event for our own alias, on this machine's libvirtd, settles against the
/// ledger: no reconcile, no domain XML read. This machine has no USB bus, so no USB hostdev can be
/// live here: a USB tablet hot-plugged under our alias into a paused guest stands for our hostdev
/// (libvirt raises the same event), while the ledger holds the camera attached to that domain (an
/// attach of usbpassd's, mode config). Tablets under someone else's "ua-" alias are the control:
/// each asks for a reconcile, and its cost is what our own attach cost before.
/// </summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class OwnHostdevEventTests(LibvirtDaemonFixture daemon, ITestOutputHelper output) : IClassFixture<LibvirtDaemonFixture>
{
    private const string Camera = "1-1.5.2.3";
    private const string CameraDevId = "04a9:31c0:C767F1C714174C309255F70E4A7B2EE2";
    private const string XmlReads = "usbpassd_libvirt_calls_total{function=\"virDomainGetXMLDesc\"}";
    private const string Lists = "usbpassd_libvirt_calls_total{function=\"virConnectListAllDomains\"}";
    private const string Settled = "usbpassd_own_hostdevs_settled_total";
    private const string Passes = "usbpassd_reconciles_total";
    private const string Pending = "usbpassd_reconciles_pending";
    private const string ByHostdev = "usbpassd_reconcile_requests_total{cause=\"hostdev\"}";
    private const string ByOwnHostdev = "usbpassd_reconcile_requests_total{cause=\"own_hostdev\"}";

    [Fact]
    public async Task Our_own_hostdev_coming_into_a_domain_is_settled_by_the_ledger_without_a_reconcile()
    {
        string domain = $"usbpassd-own-{Environment.ProcessId}";
        string alias = HostdevXml.Alias(CameraDevId);
        LocalLibvirt.Define(domain);
        try
        {
            LocalLibvirt.Shell($"virsh -q -c qemu:///system start --paused {domain}");
            using WireClient c = await daemon.ConnectAsync();
            JsonElement attached = Json(await c.AskAsync(Request(Methods.DevicesAttach, $$"""{"device":"{{Camera}}","instance":"{{domain}}","mode":"config"}""")));
            Assert.True(attached.TryGetProperty("result", out JsonElement claim), attached.ToString());
            Assert.Equal(("attached", alias), (claim.GetProperty("state").GetString(), claim.GetProperty("alias").GetString()));

            // Someone else's hostdev: a reconcile, after every event before it (they come in order).
            Dictionary<string, double> before = await BarrierAsync(c, domain, "ua-someone-else-1");

            HotPlugTablet(domain, alias);
            Dictionary<string, double> after = await UntilAsync(c, m => m[Settled] > before[Settled], "our hostdev settled");
            Assert.Equal(before[Settled] + 1, after[Settled]);
            Assert.Equal(before[ByOwnHostdev], after[ByOwnHostdev]);
            Assert.Equal(before[ByHostdev], after[ByHostdev]);
            Assert.Equal(before[Passes], after[Passes]);
            Assert.Equal(before[XmlReads], after[XmlReads]);
            Assert.Equal(before[Lists], after[Lists]);
            output.WriteLine($"our own hostdev added: libvirt calls {Delta(before, after)}");

            // The control: the same event under someone else's alias costs a reconcile, as ours did before.
            Dictionary<string, double> other = await BarrierAsync(c, domain, "ua-someone-else-2");
            Assert.Equal(after[Passes] + 1, other[Passes]);
            Assert.True(other[XmlReads] > after[XmlReads], $"a reconcile reads the domains' XML: {Delta(after, other)}");
            output.WriteLine($"someone else's hostdev added (a reconcile): libvirt calls {Delta(after, other)}");
        }
        finally
        {
            LocalLibvirt.Remove(domain);
        }
    }

    private static void HotPlugTablet(string domain, string alias)
    {
        string xml = Path.Combine(Path.GetTempPath(), $"{domain}-{alias}.xml");
        File.WriteAllText(xml, $"<input type='tablet' bus='usb'><alias name='{alias}'/></input>");
        string said = LocalLibvirt.Shell($"virsh -q -c qemu:///system attach-device {domain} {xml} --live 2>&1");
        File.Delete(xml);
        Assert.True(said.Trim().Length == 0 || said.Contains("success", StringComparison.OrdinalIgnoreCase), said);
    }

    // Hot-plugs a tablet under someone else's alias and waits until its reconcile ran: all events
    // before it were handled, and nothing is left to reconcile.
    private static async Task<Dictionary<string, double>> BarrierAsync(WireClient c, string domain, string alias)
    {
        double asked = (await MetricsAsync(c))[ByHostdev];
        HotPlugTablet(domain, alias);
        return await UntilAsync(c, m => m[ByHostdev] > asked && m[Pending] == 0, $"the reconcile {alias} asks for");
    }

    private static async Task<Dictionary<string, double>> UntilAsync(WireClient c, Func<Dictionary<string, double>, bool> wanted, string what)
    {
        Dictionary<string, double> m = [];
        for (var until = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < until; await Task.Delay(50))
        {
            m = await MetricsAsync(c);
            if (wanted(m))
            {
                return m;
            }
        }

        Assert.Fail($"no {what} within 60 s: {string.Join(", ", m.Where(x => x.Key.Contains("reconcile", StringComparison.Ordinal) || x.Key.Contains("own", StringComparison.Ordinal)))}");
        return m;
    }

    private static async Task<Dictionary<string, double>> MetricsAsync(WireClient c) =>
        PrometheusSamples.Parse(Json(await c.AskAsync(Request(Methods.MetricsGet, "{}"))).GetProperty("result").GetProperty("text").GetString()!);

    private static string Delta(Dictionary<string, double> from, Dictionary<string, double> to) =>
        PrometheusSamples.Growth(from, to, "usbpassd_libvirt_calls_total");

    private static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement.Clone();

    private static string Request(string method, string parameters) => $$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{parameters}}}""";
}
