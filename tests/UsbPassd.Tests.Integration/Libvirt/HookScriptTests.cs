using System.Diagnostics;
using System.Text;
using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Testing;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Libvirt;

/// <summary>
/// The shipped libvirt hook (packaging/libvirt/usbpassd) with the real daemon and the XML as this
/// machine's libvirtd formats it: what tests/packaging/hook-test.sh checks against a stand-in.
/// </summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class HookScriptTests(LibvirtDaemonFixture daemon) : IClassFixture<LibvirtDaemonFixture>
{
    private const string Camera = "1-1.5.2.3";

    private static string Request(string method, string parameters) => $$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{parameters}}}""";

    [Fact]
    public async Task A_domain_with_an_800_KB_description_is_judged_by_the_start_gate_not_refused_for_its_size()
    {
        using WireClient c = await daemon.ConnectAsync();
        JsonElement attached = JsonDocument.Parse(await c.AskAsync(Request(Methods.DevicesAttach, $$"""{"device":"{{Camera}}","instance":"{{daemon.Domain}}","missing_policy":"mandatory"}"""))).RootElement;
        Assert.True(attached.TryGetProperty("result", out _), attached.ToString());
        string original = Path.Combine(daemon.Directory, "original.xml");
        File.WriteAllText(original, Dumpxml());
        try
        {
            // libvirt keeps and escapes the text itself: it goes in by a define, and comes out as the hook gets it.
            var description = new StringBuilder("<description>");
            while (description.Length < 800 * 1024)
            {
                description.Append("  &lt;devices&gt;&lt;hostdev type='usb'&gt; the ERP licence dongle: never unplug it\n");
            }

            string defined = Path.Combine(daemon.Directory, "described.xml");
            File.WriteAllText(defined, File.ReadAllText(original).Replace("</uuid>\n", "</uuid>\n" + description + "</description>\n", StringComparison.Ordinal));
            LocalLibvirt.Shell($"virsh -q -c qemu:///system define {defined}");
            string xml = Dumpxml();
            Assert.True(xml.Length > 800 * 1024, $"libvirt kept {xml.Length} bytes");
            string uuid = LocalLibvirt.Shell($"virsh -q -c qemu:///system domuuid {daemon.Domain}").Trim();

            Assert.Equal((0, ""), RunHook(xml));

            // The same definition under another domain names a mandatory device that is not its own.
            (int exit, string stderr) = RunHook(xml.Replace(uuid, "00000000-0000-4000-8000-0000000000fe", StringComparison.Ordinal));
            Assert.Equal(1, exit);
            Assert.StartsWith($"usbpassd: mandatory USB device {Camera}", stderr);
            Assert.Contains($"is attached to instance {uuid}", stderr);
        }
        finally
        {
            LocalLibvirt.Shell($"virsh -q -c qemu:///system define {original}");
            await c.AskAsync(Request(Methods.DevicesDetach, $$"""{"device":"{{Camera}}","instance":"{{daemon.Domain}}"}"""));
        }
    }

    private string Dumpxml() => LocalLibvirt.Shell($"virsh -c qemu:///system dumpxml --inactive {daemon.Domain}");

    // As libvirtd runs it: "prepare begin", a minimal environment, the XML on stdin; as root (hook.qemu needs modify).
    private (int Exit, string Stderr) RunHook(string xml)
    {
        (int exit, string stdout, string stderr) = Migration.MigrationHook.Run(daemon.Socket, daemon.Directory, daemon.Domain, xml, operation: "prepare");
        Assert.Equal("", stdout); // libvirt would take stdout as a new domain XML (migrate, restore)
        return (exit, stderr);
    }
}
