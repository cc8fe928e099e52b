using System.Text.Json;
using UsbPassd.Testing;
using UsbPassd.Tests.Integration.Libvirt;

namespace UsbPassd.Tests.Integration.Cockpit;

/// <summary>
/// The Cockpit page in a real browser: Debian's headless Chromium, a real cockpit-ws and bridge on
/// loopback, the real daemon with recorded devices and this machine's libvirtd. Screenshots of
/// the main views go to build/cockpit-screenshots/.
/// </summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class CockpitPageTests(CockpitDaemonFixture daemon) : IClassFixture<CockpitDaemonFixture>
{
    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    [FactWhenFileExists(BrowserRun.Chromium, "chromium")]
    public async Task The_table_follows_the_daemon_attaches_to_a_shut_off_domain_and_shows_refusals_verbatim()
    {
        JsonElement report;
        using (var ws = new CockpitWs(daemon.Socket))
        {
            report = await BrowserRun.RunAsync("main", ws, daemon.Socket, daemon.Domain, CockpitDaemonFixture.Device);
        }

        Assert.Empty(Strings(report.GetProperty("console")));

        // The table is devices.list, as usbpassctl list shows it.
        string[] ports = Strings(report.GetProperty("ports"));
        Assert.Equal(12, ports.Length);
        Assert.Contains(CockpitDaemonFixture.Device, ports);
        Assert.Equal(["1-3", "04a9:31c0", "Canon, Inc. PowerShot SX200 IS", "BENCH00003", "available", "-"], Strings(report.GetProperty("cells")));
        Assert.Contains("libvirt", report.GetProperty("summary").GetString());

        // Another client's reserve reached the row by the notification, with no reload.
        Assert.Equal("reserved", report.GetProperty("otherReserve").GetProperty("result").GetProperty("state").GetString());
        Assert.Equal("reserved", Strings(report.GetProperty("rowAfterReserve"))[4]);
        Assert.Equal("00000000-0000-4000-8000-00000000c0c0", Strings(report.GetProperty("rowAfterReserve"))[5]);
        Assert.Equal("first load", report.GetProperty("loadMark").GetString());

        // The device's page: the verdict in words, the history with the reserve in it.
        Assert.StartsWith("Allowed: this device may be passed to a VM.", report.GetProperty("verdict").GetString());
        Assert.Contains("claim_reserved", report.GetProperty("history").GetString());

        // The refusal is the daemon's own sentence, word for word.
        JsonElement error = report.GetProperty("refusalDaemon").GetProperty("error");
        Assert.Equal(1008, error.GetProperty("code").GetInt32());
        Assert.Equal(error.GetProperty("message").GetString(), report.GetProperty("refusalShown").GetString());

        // The attach went into the shut-off domain's definition, and the detach took it out.
        Assert.Contains($"is attached ({daemon.Domain})", report.GetProperty("attachShown").GetString());
        string attached = report.GetProperty("xmlAttached").GetString()!;
        Assert.Contains("<vendor id='0x04a9'/>", attached);
        Assert.Contains("startupPolicy='optional'", attached);
        Assert.Contains("ua-usbpassd-", attached);
        Assert.DoesNotContain("ua-usbpassd-", report.GetProperty("xmlDetached").GetString());
        Assert.DoesNotContain("ua-usbpassd-", LocalLibvirt.Shell($"virsh -c qemu:///system dumpxml --inactive {daemon.Domain}"));

        // Keyboard and labels; Cockpit's dark theme; phone width without sideways scrolling.
        Assert.Empty(Strings(report.GetProperty("unlabelled")));
        Assert.StartsWith("Open ", Strings(report.GetProperty("tabbed"))[^1]);
        Assert.Contains("port", report.GetProperty("keyboardOpened").GetString());
        Assert.True(report.GetProperty("dark").GetBoolean());
        Assert.Equal(0, report.GetProperty("phoneOverflow").GetInt32());
        Assert.Equal(0, report.GetProperty("tableOverflow").GetInt32());
        foreach (string shot in (string[])["table.png", "device.png", "attach-dialog.png", "refusal.png", "attached.png", "dark.png", "phone.png"])
        {
            Assert.True(new FileInfo(Path.Combine(BrowserRun.Screenshots, shot)).Length > 10_000, shot);
        }
    }

    [FactWhenFileExists(BrowserRun.Chromium, "chromium")]
    public async Task A_user_outside_the_group_sees_the_permission_message()
    {
        JsonElement report;
        using (var ws = new CockpitWs(daemon.Socket, daemon.Outsider))
        {
            report = await BrowserRun.RunAsync("denied", ws, daemon.Socket, daemon.Domain, CockpitDaemonFixture.Device);
        }

        Assert.Contains($"Permission denied on {daemon.Socket}", report.GetProperty("denied").GetString());
        Assert.Contains("group usbpassd", report.GetProperty("denied").GetString());
        Assert.Contains("administrative access", report.GetProperty("alert").GetString());
    }

    [FactWhenFileExists(BrowserRun.Chromium, "chromium")]
    public async Task A_member_of_the_socket_group_reads_and_is_told_how_to_change()
    {
        JsonElement report;
        using (var ws = new CockpitWs(daemon.Socket, daemon.Reader))
        {
            report = await BrowserRun.RunAsync("limited", ws, daemon.Socket, daemon.Domain, CockpitDaemonFixture.Device);
        }

        Assert.Equal(12, report.GetProperty("rows").GetInt32());
        Assert.Contains("permission denied", report.GetProperty("refusal").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("turn on administrative access", report.GetProperty("note").GetString());
        Assert.Equal("available", report.GetProperty("statusAfter").GetString());
    }
}
