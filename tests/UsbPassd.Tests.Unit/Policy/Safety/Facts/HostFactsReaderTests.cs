using System.Text;
using UsbPassd.Devices;
using UsbPassd.Policy;
using UsbPassd.Testing.Recordings;
using UsbPassd.Tests.Unit.Devices;

namespace UsbPassd.Tests.Unit.Policy;

/// <summary>
/// The reader on a fake host: a hub (2-1) with a USB stick behind it (2-1.3) whose partitions are
/// mounted, swap and under dm-crypt; a USB keyboard (1-2); a PS/2 keyboard; a mouse; a console.
/// </summary>
public sealed class HostFactsReaderTests : IDisposable
{
    private const string Hub = "/devices/pci0000:00/0000:00:14.0/usb2/2-1";
    private const string Stick = Hub + "/2-1.3";
    private const string Disk = Stick + "/2-1.3:1.0/host6/target6:0:0/6:0:0:0/block/sdb";
    private const string UsbKeyboard = "/devices/pci0000:00/0000:00:14.0/usb1/1-2";

    // A real keyboard's capabilities/key (every key from Esc on) and a mouse's (buttons only).
    private const string KeyboardKeys = "1000000000007 ff9f207ac14057ff febeffdfffefffff fffffffffffffffe\n";
    private const string MouseKeys = "1f0000 0 0 0 0\n";

    private readonly SysfsTree _sys = SysfsTree.CreateTemporary("sys");
    private readonly string _proc;

    public HostFactsReaderTests()
    {
        _sys.AddDevice(Hub, "usb", Text(("bDeviceClass", "09")));
        _sys.AddDevice(Stick, "usb", Text(
            ($"{Rel(Disk)}/dev", "8:16"),
            ($"{Rel(Disk)}/sdb1/partition", "1"),
            ($"{Rel(Disk)}/sdb1/dev", "8:17"),
            ($"{Rel(Disk)}/sdb2/partition", "2"),
            ($"{Rel(Disk)}/sdb2/dev", "8:18"),
            ($"{Rel(Disk)}/sdb3/partition", "3"),
            ($"{Rel(Disk)}/sdb3/dev", "8:19"),
            ($"{Rel(Disk)}/sdb4/partition", "4"),
            ($"{Rel(Disk)}/sdb4/dev", "8:20")),
            links: [new($"{Rel(Disk)}/sdb3/holders/dm-0", "../../../../../../../../../../../virtual/block/dm-0")]);
        _sys.AddDevice("/devices/virtual/block/dm-0", "block", Text(("dev", "254:0"), ("dm/name", "luks-3f2a")));
        Directory.CreateDirectory(Path.Combine(_sys.Root, "class", "block"));
        File.CreateSymbolicLink(Path.Combine(_sys.Root, "class", "block", "dm-0"), "../../devices/virtual/block/dm-0");
        foreach (string name in new[] { "sdb", "sdb/sdb1", "sdb/sdb2", "sdb/sdb3", "sdb/sdb4" })
        {
            File.CreateSymbolicLink(Path.Combine(_sys.Root, "class", "block", Path.GetFileName(name)), "../.." + Disk[..^3] + name);
        }

        _sys.AddDevice(UsbKeyboard, "usb", Text(("bDeviceClass", "00")));
        AddInput("input5", UsbKeyboard + "/1-2:1.0/0003:046D:C31C.0001/input/input5", KeyboardKeys);
        AddInput("input0", "/devices/platform/i8042/serio0/input/input0", KeyboardKeys);
        AddInput("input7", "/devices/platform/i8042/serio1/input/input7", MouseKeys);
        WriteSys("class/tty/console/active", "tty0 ttyS0\n");

        _proc = Path.Combine(Path.GetDirectoryName(_sys.Root)!, "proc");
        WriteProc("self/mountinfo",
            "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
            + "36 22 8:17 / /mnt/data rw,relatime shared:7 master:2 - ext4 /dev/sdb1 rw\n"
            + "37 22 0:45 /sub /mnt/my\\040disk rw - btrfs /dev/sdb1 rw,space_cache\n" // btrfs: anonymous dev, known by source
            + "garbage line\n");
        WriteProc("swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/sdb2                               partition\t1048572\t\t0\t\t-2\n");
    }

    public void Dispose() => _sys.Dispose();

    private HostFactsReader Reader => new(_sys.Root, _proc);

    [Fact]
    public void Finds_the_sticks_partitions_that_are_mounted_swap_or_held()
    {
        HostFacts facts = Reader.Read(TestDevices.Make("2-1.3"));

        Assert.Equal(
            [
                new BlockDeviceUse("sdb1", true, BlockUse.Mounted, "/mnt/data, /mnt/my disk"),
                new BlockDeviceUse("sdb2", true, BlockUse.Swap, "/dev/sdb2"),
                new BlockDeviceUse("sdb3", true, BlockUse.Held, "dm-0 (luks-3f2a)"),
            ],
            facts.BlockDevicesInUse);
        Assert.Equal((true, 0, false), (facts.HasLocalConsole, facts.OtherKeyboards, facts.DeviceHasKeyboard)); // keyboards are counted for HID devices only
    }

    [Fact]
    public void A_hub_carries_the_storage_behind_it()
    {
        IReadOnlyList<HostFacts> facts = Reader.Read([TestDevices.Make("2-1"), TestDevices.Make("2-1.3")]);

        Assert.Equal(facts[1].BlockDevicesInUse, facts[0].BlockDevicesInUse);
    }

    [Fact]
    public void A_whole_disk_mount_is_found_by_its_device_number()
    {
        WriteProc("self/mountinfo", "40 22 8:16 / /media/stick rw - vfat /dev/disk/by-label/STICK rw\n");

        BlockDeviceUse use = Assert.Single(Reader.Read(TestDevices.Make("2-1.3")).BlockDevicesInUse, u => u.Use == BlockUse.Mounted);

        Assert.Equal("disk sdb is mounted on /media/stick", use.ToString());
    }

    [Fact]
    public void A_keyboard_knows_it_is_one_and_counts_the_others()
    {
        HostFacts facts = Reader.Read(TestDevices.Make("1-2") with { Interfaces = [new UsbInterface(0, 0x03, 0x00, 0x00)] });

        Assert.Equal((true, 1), (facts.DeviceHasKeyboard, facts.OtherKeyboards));
        Assert.Empty(facts.BlockDevicesInUse);
    }

    [Fact]
    public void The_last_keyboard_is_refused_through_the_reader()
    {
        File.Delete(Path.Combine(_sys.Root, "class", "input", "input0")); // no PS/2 keyboard
        UsbDevice keyboard = TestDevices.Make("1-2") with { Interfaces = [new UsbInterface(0, 0x03, 0x01, 0x01)] };

        PolicyDecision decision = DevicePolicy.Default.Evaluate(keyboard, Reader.Read(keyboard));

        Assert.Equal("refused: 1-2 is the last keyboard of a host with a local console (last-keyboard); without that, the implicit default 'default allow' would allow it", decision.Reason);
    }

    [Theory]
    [InlineData("ttyS0\n", false, false)]     // a serial console needs no keyboard here
    [InlineData("ttyS0 tty1\n", false, true)]
    [InlineData("hvc0\n", true, false)]
    [InlineData(null, true, true)]            // no console/active: a VT exists
    [InlineData(null, false, false)]
    public void A_local_console_is_a_virtual_terminal(string? active, bool tty0, bool expected)
    {
        string activeFile = Path.Combine(_sys.Root, "class", "tty", "console", "active");
        File.Delete(activeFile);
        if (active is not null)
        {
            WriteSys("class/tty/console/active", active);
        }

        if (tty0)
        {
            Directory.CreateDirectory(Path.Combine(_sys.Root, "class", "tty", "tty0"));
        }

        Assert.Equal(expected, Reader.Read(TestDevices.Make("1-2")).HasLocalConsole);
    }

    [Fact]
    public void Mounts_of_the_hosts_namespace_come_first_then_its_own_then_proc_mounts()
    {
        WriteProc("1/mountinfo", "50 22 8:18 / /srv rw - xfs /dev/sdb2 rw\n");
        Assert.Contains(Reader.Read(TestDevices.Make("2-1.3")).BlockDevicesInUse, u => u is { Name: "sdb2", Use: BlockUse.Mounted, Detail: "/srv" });

        Directory.Delete(Path.Combine(_proc, "1"), recursive: true);
        Directory.Delete(Path.Combine(_proc, "self"), recursive: true);
        WriteProc("mounts", "/dev/sda1 / ext4 rw 0 0\n/dev/sdb4 /mnt/old\\040stuff vfat rw 0 0\n");
        Assert.Contains(Reader.Read(TestDevices.Make("2-1.3")).BlockDevicesInUse, u => u is { Name: "sdb4", Use: BlockUse.Mounted, Detail: "/mnt/old stuff" });

        File.Delete(Path.Combine(_proc, "mounts"));
        Assert.Contains("cannot tell which disks are mounted", Assert.Throws<IOException>(() => Reader.Read(TestDevices.Make("2-1.3"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_only_the_facts_asked_for()
    {
        HostFacts swap = Reader.Read(TestDevices.Make("2-1.3"), HostFact.Swaps);
        Assert.Equal([new BlockDeviceUse("sdb2", true, BlockUse.Swap, "/dev/sdb2")], swap.BlockDevicesInUse);
        Assert.False(swap.HasLocalConsole);

        HostFacts console = Reader.Read(TestDevices.Make("1-2") with { Interfaces = [new UsbInterface(0, 0x03, 0x01, 0x01)] }, HostFact.Console);
        Assert.Equal((true, 0, false), (console.HasLocalConsole, console.OtherKeyboards, console.DeviceHasKeyboard));

        // Without mounts asked for, a mount table that cannot be read is no reason to fail.
        Directory.Delete(Path.Combine(_proc, "self"), recursive: true);
        Assert.Equal(
            [new BlockDeviceUse("sdb3", true, BlockUse.Held, "dm-0 (luks-3f2a)")],
            Reader.Read(TestDevices.Make("2-1.3"), HostFact.Holders).BlockDevicesInUse);
    }

    [Fact]
    public void A_device_that_is_gone_uses_nothing()
    {
        HostFacts facts = Reader.Read(TestDevices.Make("3-9") with { Interfaces = [new UsbInterface(0, 0x03, 0x01, 0x01)] });

        Assert.Equal((0, false, 2), (facts.BlockDevicesInUse.Count, facts.DeviceHasKeyboard, facts.OtherKeyboards));
    }

    [Fact]
    public void No_swap_file_means_no_swap()
    {
        File.Delete(Path.Combine(_proc, "swaps"));

        Assert.DoesNotContain(Reader.Read(TestDevices.Make("2-1.3")).BlockDevicesInUse, u => u.Use == BlockUse.Swap);
    }

    private static string Rel(string path) => Path.GetRelativePath(Stick, path);

    private static Dictionary<string, byte[]> Text(params (string Name, string Value)[] files) =>
        files.ToDictionary(f => f.Name, f => Encoding.UTF8.GetBytes(f.Value + "\n"));

    private void AddInput(string name, string devicePath, string keys)
    {
        _sys.AddDevice(devicePath, "input", Text(("capabilities/key", keys.TrimEnd('\n'))));
        string link = Path.Combine(_sys.Root, "class", "input", name);
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, "../.." + devicePath);
    }

    private void WriteSys(string path, string text) => Write(Path.Combine(_sys.Root, path), text);

    private void WriteProc(string path, string text) => Write(Path.Combine(_proc, path), text);

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
