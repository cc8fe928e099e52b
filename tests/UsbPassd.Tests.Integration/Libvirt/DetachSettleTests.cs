using System.Text.Json;
using UsbPassd.Libvirt;
using UsbPassd.Protocol;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Libvirt;

/// <summary>
/// A detach whose caller leaves while libvirt's confirmation is awaited still settles its claim,
/// with nothing else happening. This machine has no USB bus, so no USB hostdev can be live here: a
/// virtio tablet with our alias, in a guest that stays paused, stands for a device whose removal
/// libvirt never confirms (a PCI unplug waits for the guest). The domain's definition holds our
/// real hostdev, attached by usbpassd (mode config), so the claim is a real 'attached' one.
/// </summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class DetachSettleTests(LibvirtDaemonFixture daemon) : IClassFixture<LibvirtDaemonFixture>
{
    private const string Camera = "1-1.5.2.3";
    private const string CameraDevId = "04a9:31c0:C767F1C714174C309255F70E4A7B2EE2";

    private static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement.Clone();

    private static string Request(int id, string method, string parameters) => $$"""{"jsonrpc":"2.0","id":{{id}},"method":"{{method}}","params":{{parameters}}}""";

    [Fact]
    public async Task A_detach_cancelled_while_libvirt_has_not_confirmed_it_settles_the_claim_by_itself()
    {
        string domain = $"usbpassd-paused-{Environment.ProcessId}";
        string alias = HostdevXml.Alias(CameraDevId);
        LocalLibvirt.Define(domain, $"<controller type='usb' model='qemu-xhci'/><input type='tablet' bus='virtio'><alias name='{alias}'/></input>");
        try
        {
            LocalLibvirt.Shell($"virsh -q -c qemu:///system start --paused {domain} && virsh -q -c qemu:///system detach-device-alias {domain} {alias} --config");
            using WireClient c = await daemon.ConnectAsync();
            JsonElement attached = Json(await c.AskAsync(Request(1, Methods.DevicesAttach, $$"""{"device":"{{Camera}}","instance":"{{domain}}","mode":"config"}""")));
            Assert.True(attached.TryGetProperty("result", out JsonElement claim), attached.ToString());
            Assert.Equal(alias, claim.GetProperty("alias").GetString());

            // A live detach only: no definition changes, so no lifecycle event (and no reconcile) follows.
            // The cancel goes in the same write: a line read while a request is in flight overwrites
            // the buffer its id is parsed from (RpcConnection), and the reply would lose its id.
            JsonElement cancelled;
            using (WireClient caller = await daemon.ConnectAsync())
            {
                await caller.SendAsync(Request(7, Methods.DevicesDetach, $$"""{"device":"{{Camera}}","instance":"{{domain}}","mode":"live"}""") + "\n"
                    + """{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":7}}""" + "\n");
                cancelled = Json(await caller.ReadLineAsync());
                Assert.True(cancelled.GetProperty("error").GetProperty("code").GetInt32() == ErrorCodes.RequestCancelled, cancelled.ToString());
            } // and the caller leaves

            // libvirt's live XML no longer names our hostdev (the tablet is no hostdev): released.
            JsonElement settled = await StatusPoll.UntilAsync(c, Camera, s => s != "detaching", "settled (not detaching)");
            Assert.Equal("available", settled.GetProperty("status").GetString());
            Assert.Contains("the detach goes on", cancelled.GetProperty("error").GetProperty("message").GetString());
        }
        finally
        {
            LocalLibvirt.Remove(domain);
        }
    }
}
