using System.Text;
using UsbPassd.Protocol.StreamJsonRpc;
using UsbPassd.Testing.Recordings;
using UsbPassd.Tests.Integration.Libvirt;
using UsbPassd.Uevents;

namespace UsbPassd.Tests.Integration.Rpc;

/// <summary>
/// The real usbpassd for the StreamJsonRpc tests: this machine's libvirtd and a shut-off domain of its
/// own, a made-up host (a root hub, keys at 1-1 and 1-2, a hub at 1-5) whose devices the tests plug
/// and unplug: the directory in /sys, then the kernel's uevent, written into the FIFO the daemon
/// replays (<c>--uevents replay:FIFO</c>), so device.added and device.removed come as they would; a
/// policy file with one rule, <see cref="Policy"/>.
/// </summary>
public sealed class StreamJsonRpcFixture : DaemonFixture, IDisposable
{
    public const string Vendor = "46f4";
    public const string Policy = "allow id 46f4:* label \"test keys\"\n";
    public const string Product = "0001";
    private const string Controller = "/devices/pci0000:00/0000:00:14.0";

    private readonly SysfsTree _tree;
    private readonly string _fifo;
    private FileStream? _uevents;

    public StreamJsonRpcFixture() : this(SysfsTree.CreateTemporary(), Path.Combine(System.IO.Directory.CreateTempSubdirectory("usbpassd-fifo-").FullName, "uevents"))
    {
    }

    private StreamJsonRpcFixture(SysfsTree tree, string fifo)
        : base("qemu:///system", tree, "replay:" + fifo, "--policy-file", Path.Combine(Path.GetDirectoryName(fifo)!, "policy.rules"))
    {
        _tree = tree;
        _fifo = fifo;
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(fifo)!, "policy.rules"), Policy);
        tree.AddUsbDevice(new SyntheticUsbDevice { Name = "usb1", VendorId = "1d6b", ProductId = "0002", DeviceClass = "09", Bus = 1, DeviceNumber = 1, Serial = "0000:00:14.0", MaxChild = 6 }, Controller);
        Key("1-1", 2);
        Key("1-2", 3);
        tree.AddUsbDevice(new SyntheticUsbDevice { Name = "1-5", VendorId = "05e3", ProductId = "0608", DeviceClass = "09", Bus = 1, DeviceNumber = 9, MaxChild = 4 }, $"{Controller}/usb1");
    }

    /// <summary>A shut-off, persistent domain with an xHCI controller.</summary>
    public string Domain { get; } = $"usbpassd-sjr-{Environment.ProcessId}";

    /// <summary>Its UUID, once defined.</summary>
    public string DomainUuid { get; private set; } = "";

    /// <summary>The dev_id of the key at <paramref name="port"/> plugged with its default serial.</summary>
    public static string DevId(string port) => $"{Vendor}:{Product}:KEY-{port}";

    public override async Task InitializeAsync()
    {
        LocalLibvirt.Define(Domain);
        DomainUuid = LocalLibvirt.Shell($"virsh -q -c qemu:///system domuuid {Domain}").Trim();
        LocalLibvirt.Shell($"mkfifo {_fifo}");
        await base.InitializeAsync();

        // Read and write: opening does not wait for the daemon's reader, and the daemon never sees an end.
        _uevents = new FileStream(_fifo, FileMode.Open, FileAccess.ReadWrite);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        System.IO.Directory.Delete(Path.GetDirectoryName(_fifo)!, recursive: true);
        LocalLibvirt.Remove(Domain);
    }

    /// <summary>Closes the FIFO (after <see cref="DisposeAsync"/>: xunit calls both).</summary>
    public void Dispose() => _uevents?.Dispose();

    /// <summary>A StreamJsonRpc connection as an orchestrator makes it.</summary>
    public Task<UsbPassdRpcConnection> AttachAsync(IUsbPassdNotifications? notifications = null) => UsbPassdRpc.AttachAsync(Socket, notifications);

    /// <summary>A key appears at <paramref name="port"/> (1-N): its sysfs directory, then "add".</summary>
    public async Task PlugAsync(string port, int devnum, string? serial = null)
    {
        Key(port, devnum, serial);
        await UeventAsync("add", port);
    }

    /// <summary>The key at <paramref name="port"/> goes: its sysfs directory, then "remove".</summary>
    public async Task UnplugAsync(string port)
    {
        System.IO.Directory.Delete($"{_tree.Root}{Controller}/usb1/{port}", recursive: true);
        foreach (string link in System.IO.Directory.GetFileSystemEntries(Path.Combine(_tree.Root, "bus/usb/devices"), port + "*"))
        {
            File.Delete(link); // the device's and its interfaces' (1-3:1.0)
        }

        await UeventAsync("remove", port);
    }

    private void Key(string port, int devnum, string? serial = null) =>
        _tree.AddUsbDevice(new SyntheticUsbDevice
        {
            Name = port, VendorId = Vendor, ProductId = Product, DeviceClass = "00", Bus = 1, DeviceNumber = devnum,
            Serial = serial ?? $"KEY-{port}", Product = "Test key", Interfaces = [new SyntheticInterface(0, "ff")],
        }, $"{Controller}/usb1");

    private async Task UeventAsync(string action, string port)
    {
        byte[] datagram = RecordedUevents.KernelDatagram(action, $"{Controller}/usb1/{port}", ("SUBSYSTEM", "usb"), ("DEVTYPE", "usb_device"));
        await _uevents!.WriteAsync(Encoding.ASCII.GetBytes(RecordedUevents.Line(UeventGroup.Kernel, datagram) + "\n"));
        await _uevents.FlushAsync();
    }
}
