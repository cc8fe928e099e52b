using System.Diagnostics;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Data.Sqlite;
using UsbPassd.Testing.Recordings;
using UsbPassd.Tests.Integration.Libvirt;
using UsbPassd.Uevents;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// What the chaos tests compare before and after: the registry's history and claims, read from the
/// file itself (read-only), and the aliases of our hostdevs in libvirt's XML. Plus the device they use:
/// the FIDO key of umockdev's fido2 recording, which no other test of this machine's libvirtd uses.
/// </summary>
internal static partial class ChaosRegistry
{
    public const string KeyPort = "1-2.3";

    public const string StickPort = "1-2.4";

    private const string Hub = "/devices/pci0000:00/0000:00:08.1/0000:05:00.3/usb1/1-2";

    /// <summary>A second device on the key's hub, made up (vendor-specific class), that the tests plug and unplug.</summary>
    public static void PlugStick(SysfsTree tree) => tree.AddUsbDevice(
        new SyntheticUsbDevice
        {
            Name = StickPort, VendorId = "1209", ProductId = "c4a0", DeviceClass = "00", Bus = 1, DeviceNumber = 40, Speed = "480",
            Product = "Chaos Stick", Serial = "CHAOS-0001", Interfaces = [new SyntheticInterface(0, "ff")],
        },
        Hub);

    /// <summary>The stick's folder and its /sys/bus/usb/devices link go, as the kernel's do.</summary>
    public static void UnplugStick(SysfsTree tree)
    {
        Directory.Delete(tree.Root + Hub + "/" + StickPort, recursive: true);
        File.Delete(Path.Combine(tree.Root, "bus", "usb", "devices", StickPort));
    }

    /// <summary>A recorded kernel uevent line for the stick.</summary>
    public static string StickEvent(string action) =>
        RecordedUevents.Line(UeventGroup.Kernel, RecordedUevents.KernelDatagram(action, $"{Hub}/{StickPort}", ("SUBSYSTEM", "usb"), ("DEVTYPE", "usb_device")));

    public static IReadOnlyList<(long Id, string Kind)> History(string stateDir)
    {
        using SqliteConnection c = Open(stateDir);
        return [.. c.Query<HistoryRow>("SELECT id AS Id, kind AS Kind FROM usb_device_history ORDER BY id").Select(r => (r.Id, r.Kind))];
    }

    public static IReadOnlyList<ClaimRow> Claims(string stateDir)
    {
        using SqliteConnection c = Open(stateDir);
        return [.. c.Query<ClaimRow>("SELECT dev_id AS DevId, state AS State, alias AS Alias FROM assignments ORDER BY dev_id")];
    }

    /// <summary>The aliases of usbpassd's hostdevs in the domain's persistent definition, sorted.</summary>
    public static IReadOnlyList<string> OurAliases(string domain, bool live = false) =>
        [.. Aliases().Matches(LocalLibvirt.Shell($"virsh -c qemu:///system dumpxml {(live ? "" : "--inactive ")}{domain}")).Select(m => m.Groups[1].Value).Distinct().Order()];

    /// <summary>Runs a shell command; throws with its output when it fails (unless <paramref name="mayFail"/>).</summary>
    public static string Run(string command, bool mayFail = false)
    {
        using Process p = Process.Start(new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 || mayFail ? output : throw new InvalidOperationException($"'{command}' failed ({p.ExitCode}): {error}");
    }

    private static SqliteConnection Open(string stateDir)
    {
        var c = new SqliteConnection($"Data Source={Path.Combine(stateDir, "registry.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        return c;
    }

    [GeneratedRegex("<alias name='(ua-usbpassd-[^']+)'/>")]
    private static partial Regex Aliases();

    private sealed class HistoryRow
    {
        public long Id { get; set; }

        public string Kind { get; set; } = "";
    }

    public sealed class ClaimRow
    {
        public string DevId { get; set; } = "";

        public string State { get; set; } = "";

        public string Alias { get; set; } = "";
    }
}
