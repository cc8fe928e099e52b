namespace UsbPassd.Testing.Lab;

/// <summary>The lab host's emulated USB controllers (tests/lab/lab.sh adds both).</summary>
public enum LabController
{
    /// <summary><c>qemu-xhci</c>: bus 1 (USB 2) and bus 2 (USB 3), 4 ports.</summary>
    Xhci,

    /// <summary><c>usb-ehci</c>: bus 3, 6 ports; without companions it takes only high-speed devices (storage, keyboard, tablet).</summary>
    Ehci,
}

/// <summary>
/// A USB device of the lab host, plugged at boot (QEMU command line) or hot-plugged (QMP).
/// <paramref name="Port"/> is QEMU's port path on the controller: <c>2</c>, or <c>3.1</c> behind a hub on port 3.
/// <paramref name="Serial"/>: null lets QEMU derive one from the port, "" gives a device without a serial.
/// </summary>
public abstract record LabDevice(string Id, string Port, LabController Controller, string? Serial)
{
    /// <summary>QEMU's device driver name.</summary>
    public abstract string Driver { get; }

    /// <summary>The vendor:product the kernel sees (QEMU's emulated devices).</summary>
    public abstract string UsbId { get; }

    /// <summary>Whether the device runs at USB 3 speed, which puts it on the xHCI's USB 3 bus.</summary>
    protected virtual bool SuperSpeed => false;

    public string QemuBus => Controller == LabController.Xhci ? "xhci.0" : "ehci.0";

    /// <summary>The sysfs name (port_id) the lab host's kernel gives this device.</summary>
    public string PortId
    {
        get
        {
            // Behind a (USB 2) hub a device is on the USB 2 bus whatever it could do.
            int bus = Controller == LabController.Ehci ? 3 : SuperSpeed && !Port.Contains('.') ? 2 : 1;
            return $"{bus}-{Port}";
        }
    }

    /// <summary>QEMU properties for -device and device_add.</summary>
    public virtual Dictionary<string, object> Properties(string runDirectory)
    {
        var p = new Dictionary<string, object> { ["driver"] = Driver, ["id"] = Id, ["bus"] = QemuBus, ["port"] = Port };
        if (Serial is not null)
        {
            p["serial"] = Serial;
        }

        return p;
    }

    /// <summary>Backends the device needs (a drive, a chardev), as QMP commands to run before device_add.</summary>
    public virtual IEnumerable<(string Command, object Arguments)> Backends(string runDirectory) => [];

    /// <summary>QMP commands that remove those backends after device_del.</summary>
    public virtual IEnumerable<(string Command, object Arguments)> BackendCleanup() => [];

    /// <summary>The same backends for the QEMU command line (boot-time devices).</summary>
    public virtual IEnumerable<string> BackendArguments(string runDirectory) => [];
}

/// <summary>QEMU usb-storage (46f4:0001) backed by a small raw image in the run directory.</summary>
public sealed record UsbStorage(string Id, string Port, LabController Controller = LabController.Xhci, string? Serial = null)
    : LabDevice(Id, Port, Controller, Serial)
{
    public override string Driver => "usb-storage";

    public override string UsbId => "46f4:0001";

    protected override bool SuperSpeed => true;

    private string Node => $"drive-{Id}";

    public string Image(string runDirectory) => Path.Combine(runDirectory, "share", $"{Id}.img");

    public override Dictionary<string, object> Properties(string runDirectory)
    {
        Dictionary<string, object> p = base.Properties(runDirectory);
        p["drive"] = Node;
        return p;
    }

    public override IEnumerable<(string, object)> Backends(string runDirectory)
    {
        CreateImage(runDirectory);
        yield return ("blockdev-add", new Dictionary<string, object>
        {
            ["driver"] = "raw",
            ["node-name"] = Node,
            ["file"] = new Dictionary<string, object> { ["driver"] = "file", ["filename"] = Image(runDirectory) },
        });
    }

    public override IEnumerable<(string, object)> BackendCleanup() => [("blockdev-del", new Dictionary<string, object> { ["node-name"] = Node })];

    public override IEnumerable<string> BackendArguments(string runDirectory)
    {
        CreateImage(runDirectory);
        return ["-blockdev", $"driver=raw,node-name={Node},file.driver=file,file.filename={Image(runDirectory)}"];
    }

    private void CreateImage(string runDirectory)
    {
        using FileStream image = File.Create(Image(runDirectory));
        image.SetLength(1024 * 1024);
    }
}

/// <summary>QEMU usb-ccid (08e6:4433), a smartcard reader: the closest thing to a licence dongle.</summary>
public sealed record UsbCcid(string Id, string Port, string? Serial = null) : LabDevice(Id, Port, LabController.Xhci, Serial)
{
    public override string Driver => "usb-ccid";

    public override string UsbId => "08e6:4433";
}

/// <summary>QEMU usb-kbd (0627:0001).</summary>
public sealed record UsbKeyboard(string Id, string Port, LabController Controller = LabController.Xhci, string? Serial = null)
    : LabDevice(Id, Port, Controller, Serial)
{
    public override string Driver => "usb-kbd";

    public override string UsbId => "0627:0001";
}

/// <summary>QEMU usb-serial (0403:6001, an FTDI adapter) on a ring-buffer chardev (a null chardev never opens, so the device would never attach).</summary>
public sealed record UsbSerialAdapter(string Id, string Port, string? Serial = null) : LabDevice(Id, Port, LabController.Xhci, Serial)
{
    public override string Driver => "usb-serial";

    public override string UsbId => "0403:6001";

    private string Chardev => $"chr-{Id}";

    public override Dictionary<string, object> Properties(string runDirectory)
    {
        Dictionary<string, object> p = base.Properties(runDirectory);
        p["chardev"] = Chardev;
        return p;
    }

    public override IEnumerable<(string, object)> Backends(string runDirectory) =>
        [("chardev-add", new Dictionary<string, object>
        {
            ["id"] = Chardev,
            ["backend"] = new Dictionary<string, object> { ["type"] = "ringbuf", ["data"] = new Dictionary<string, object> { ["size"] = 4096 } },
        })];

    public override IEnumerable<(string, object)> BackendCleanup() => [("chardev-remove", new Dictionary<string, object> { ["id"] = Chardev })];

    public override IEnumerable<string> BackendArguments(string runDirectory) => ["-chardev", $"ringbuf,id={Chardev},size=4096"];
}

/// <summary>QEMU usb-hub (0409:55aa); devices behind it use ports like <c>3.1</c>.</summary>
public sealed record UsbHub(string Id, string Port) : LabDevice(Id, Port, LabController.Xhci, null)
{
    public override string Driver => "usb-hub";

    public override string UsbId => "0409:55aa";
}
