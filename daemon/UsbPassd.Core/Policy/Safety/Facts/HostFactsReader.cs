using System.Globalization;
using UsbPassd.Devices;

namespace UsbPassd.Policy;

/// <summary>
/// Reads the <see cref="HostFacts"/> of devices from files alone (no P/Invoke), under roots a test
/// can point at a fake tree:
/// <list type="bullet">
/// <item>block devices: every <c>block/&lt;disk&gt;[/&lt;partition&gt;]</c> below the device's sysfs directory
/// (USB storage puts them under <c>host*/target*/…/block</c>; a hub's include those of the devices behind it);</item>
/// <item>mounts: <c>/proc/1/mountinfo</c> (the host's mount namespace, not a private one systemd may give the
/// daemon), else <c>/proc/self/mountinfo</c>, else <c>/proc/mounts</c>; matched by <c>major:minor</c> and by
/// <c>/dev/NAME</c>;</item>
/// <item>swap: <c>/proc/swaps</c>; holders (device-mapper, md RAID, bcache): <c>…/holders/*</c>, named by
/// <c>class/block/dm-N/dm/name</c>;</item>
/// <item>local console: <c>class/tty/console/active</c> lists a virtual terminal (<c>tty0</c>…), or, without that file,
/// <c>class/tty/tty0</c> exists;</item>
/// <item>keyboards: every <c>class/input/input*</c> whose key capabilities have the first 31 keys (Esc, digits,
/// letters), udev's ID_INPUT_KEYBOARD test; one below the device's directory is the device's own.
/// A keyboard passed to a VM has no input device on the host, so it is not counted.</item>
/// </list>
/// Each is read only when asked for (<see cref="HostFact"/>: what the safety checks need).
/// </summary>
public sealed class HostFactsReader
{
    // sysfs trees are shallow; the bound only guards against a tree that is not sysfs.
    private const int MaxDepth = 32;

    private static readonly EnumerationOptions RealDirectories = new()
    {
        AttributesToSkip = FileAttributes.ReparsePoint, // sysfs links point back up the tree
        IgnoreInaccessible = true,
    };

    private readonly string _sysfs;
    private readonly string _proc;

    public HostFactsReader(string sysfsRoot, string procRoot)
    {
        _sysfs = Path.GetFullPath(sysfsRoot);
        _proc = Path.GetFullPath(procRoot);
    }

    /// <exception cref="IOException">The mount table cannot be read: without it no disk can be called unmounted.</exception>
    public HostFacts Read(UsbDevice device, HostFact needs = HostFact.All) => Read([device], needs)[0];

    /// <summary>The facts of several devices, reading the host-wide tables once.</summary>
    /// <param name="devices">The devices.</param>
    /// <param name="needs">The facts to read; the others are left as the default <see cref="HostFacts"/> has them (nothing in use).</param>
    /// <exception cref="IOException">The mount table cannot be read: without it no disk can be called unmounted.</exception>
    public IReadOnlyList<HostFacts> Read(IReadOnlyList<UsbDevice> devices, HostFact needs = HostFact.All)
    {
        // Only what a device can be refused for is read: a reserve or attach waits on this, and on
        // a busy host every sysfs walk counts. Keyboards matter only for HID devices; mounts and
        // swaps only once a block device is found below the device.
        var tables = new Lazy<(List<MountEntry> Mounts, HashSet<string> Swaps)>(() =>
        {
            string swapsFile = Path.Combine(_proc, "swaps");
            return (
                needs.HasFlag(HostFact.Mounts) ? ReadMounts() : [],
                needs.HasFlag(HostFact.Swaps) && File.Exists(swapsFile) ? ProcTables.ParseSwaps(File.ReadAllText(swapsFile)) : []); // no file: a kernel without swap
        });
        bool console = needs.HasFlag(HostFact.Console) && HasLocalConsole();
        List<string> keyboards = needs.HasFlag(HostFact.Keyboards) && devices.Any(d => d.DeviceClass == 0x03 || d.Interfaces.Any(i => i.Class == 0x03)) ? KeyboardPaths() : [];
        bool storage = (needs & (HostFact.Mounts | HostFact.Swaps | HostFact.Holders)) != 0;
        List<string> blockDevices = storage ? ClassBlockPaths() : [];
        return [.. devices.Select(device =>
        {
            string? directory = RealPath(Path.Combine(_sysfs, "bus", "usb", "devices", device.PortId));
            if (directory is null)
            {
                return new HostFacts { HasLocalConsole = console, OtherKeyboards = keyboards.Count }; // gone: nothing of it is in use
            }

            int own = keyboards.Count(k => k.StartsWith(directory + "/", StringComparison.Ordinal));
            bool hasBlock = storage && (blockDevices.Any(b => b.StartsWith(directory + "/", StringComparison.Ordinal)) || device.Interfaces.Any(i => i.Class == 0x08));
            return new HostFacts
            {
                HasLocalConsole = console,
                OtherKeyboards = keyboards.Count - own,
                DeviceHasKeyboard = own > 0,
                BlockDevicesInUse = hasBlock ? BlockDevicesInUse(directory, tables.Value.Mounts, tables.Value.Swaps, needs.HasFlag(HostFact.Holders)) : [],
            };
        })];
    }

    // Where every block device of the host lives in sysfs (/sys/class/block/* resolved): a few links
    // to read, instead of walking each device's tree to learn it has no disk.
    private List<string> ClassBlockPaths() => [.. Entries(Path.Combine(_sysfs, "class", "block")).Select(RealPath).OfType<string>()];

    private List<MountEntry> ReadMounts()
    {
        foreach (string name in new[] { "1/mountinfo", "self/mountinfo" })
        {
            try
            {
                return ProcTables.ParseMountInfo(File.ReadAllText(Path.Combine(_proc, name)));
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
            {
                // not this one (no such pid namespace view, or /proc mounted with hidepid): try the next
            }
        }

        string mounts = Path.Combine(_proc, "mounts");
        return File.Exists(mounts)
            ? ProcTables.ParseMounts(File.ReadAllText(mounts))
            : throw new IOException($"cannot tell which disks are mounted: none of {_proc}/1/mountinfo, {_proc}/self/mountinfo, {mounts} can be read");
    }

    private bool HasLocalConsole()
    {
        string active = Path.Combine(_sysfs, "class", "tty", "console", "active");
        if (!File.Exists(active))
        {
            return Path.Exists(Path.Combine(_sysfs, "class", "tty", "tty0"));
        }

        // "tty0 ttyS0": a virtual terminal is a screen and keyboard; a serial console (ttyS0, hvc0) needs no keyboard here.
        return File.ReadAllText(active).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Any(c => c.Length > 3 && c.StartsWith("tty", StringComparison.Ordinal) && c[3..].All(char.IsAsciiDigit));
    }

    private List<string> KeyboardPaths()
    {
        var keyboards = new List<string>();
        foreach (string entry in Entries(Path.Combine(_sysfs, "class", "input"), "input*"))
        {
            if (RealPath(entry) is string path && ReadTrimmed(Path.Combine(entry, "capabilities", "key")) is string keys && IsKeyboard(keys))
            {
                keyboards.Add(path);
            }
        }

        return keyboards;
    }

    // The bitmap is hex longs, most significant first; bits 1-31 are KEY_ESC to KEY_S.
    private static bool IsKeyboard(string capabilities)
    {
        string[] words = capabilities.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        return words.Length > 0
            && ulong.TryParse(words[^1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong low)
            && (low & 0xfffffffe) == 0xfffffffe;
    }

    private List<BlockDeviceUse> BlockDevicesInUse(string deviceDirectory, List<MountEntry> mounts, HashSet<string> swaps, bool holders)
    {
        var uses = new List<BlockDeviceUse>();
        foreach (string disk in Disks(deviceDirectory))
        {
            Check(disk, isPartition: false);
            foreach (string partition in Subdirectories(disk).Where(p => File.Exists(Path.Combine(p, "partition"))))
            {
                Check(partition, isPartition: true);
            }
        }

        return uses;

        void Check(string directory, bool isPartition)
        {
            string name = Path.GetFileName(directory);
            string node = "/dev/" + name;
            string? dev = ReadTrimmed(Path.Combine(directory, "dev"));
            string[] mountPoints = [.. mounts.Where(m => (dev is not null && m.Device == dev) || m.Source == node).Select(m => m.MountPoint).Distinct()];
            if (mountPoints.Length > 0)
            {
                uses.Add(new BlockDeviceUse(name, isPartition, BlockUse.Mounted, string.Join(", ", mountPoints)));
            }

            if (swaps.Contains(node))
            {
                uses.Add(new BlockDeviceUse(name, isPartition, BlockUse.Swap, node));
            }

            string[] held = holders ? [.. Entries(Path.Combine(directory, "holders")).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)] : [];
            if (held.Length > 0)
            {
                uses.Add(new BlockDeviceUse(name, isPartition, BlockUse.Held, string.Join(", ", held.Select(HolderName))));
            }
        }
    }

    // "dm-0 (luks-3f2a…)": the kernel name alone says nothing to an operator who opened it by its mapper name.
    private string HolderName(string holder)
    {
        string? mapped = ReadTrimmed(Path.Combine(_sysfs, "class", "block", holder, "dm", "name"));
        return string.IsNullOrEmpty(mapped) ? holder : $"{holder} ({mapped})";
    }

    /// <summary>The disk directories (children of a <c>block</c> directory) anywhere below the device.</summary>
    private static List<string> Disks(string deviceDirectory)
    {
        var disks = new List<string>();
        var pending = new Stack<(string Path, int Depth)>([(deviceDirectory, 0)]);
        while (pending.TryPop(out (string Path, int Depth) next))
        {
            foreach (string child in Subdirectories(next.Path))
            {
                if (Path.GetFileName(child) == "block")
                {
                    disks.AddRange(Subdirectories(child));
                }
                else if (next.Depth < MaxDepth)
                {
                    pending.Push((child, next.Depth + 1));
                }
            }
        }

        disks.Sort(StringComparer.Ordinal);
        return disks;
    }

    private static string[] Subdirectories(string path)
    {
        try
        {
            string[] directories = Directory.GetDirectories(path, "*", RealDirectories);
            Array.Sort(directories, StringComparer.Ordinal); // sdb1 before sdb2: reasons read in a stable order
            return directories;
        }
        catch (Exception e) when (Vanished(e))
        {
            return []; // unplugged, or its driver unbound, while being read
        }
    }

    // sysfs changes under the reader: a device another VM's QEMU just claimed loses its disk (usb-storage
    // unbinds), an unplugged one its whole tree, and an attribute of a device on its way out reads as
    // ENODEV. What vanished while being read is not in use by the host; only an unreadable mount
    // table is (ReadMounts: fail closed).
    private static bool Vanished(Exception e) => e is IOException or UnauthorizedAccessException;

    private static string? ReadTrimmed(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (Vanished(e))
        {
            return null;
        }
    }

    private static string[] Entries(string directory, string pattern = "*")
    {
        try
        {
            return Directory.GetFileSystemEntries(directory, pattern);
        }
        catch (Exception e) when (Vanished(e))
        {
            return [];
        }
    }

    /// <summary>The directory a sysfs link leads to, in full; null when it leads nowhere (or no longer exists).</summary>
    private static string? RealPath(string path)
    {
        try
        {
            var info = new DirectoryInfo(path);
            return !info.Exists ? null : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
        }
        catch (Exception e) when (Vanished(e))
        {
            return null;
        }
    }
}
