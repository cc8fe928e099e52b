namespace UsbPassd.Devices;

/// <summary>
/// What sysfs says about one USB device right now. Strings are null when the device has no such
/// string descriptor and empty when it has an empty one; the two are never merged.
/// </summary>
public sealed record UsbDevice
{
    public required UsbPortPath Port { get; init; }

    public string PortId => Port.Name;

    public string? ParentPortId => Port.Parent?.Name;

    public required int Bus { get; init; }

    public required int DeviceNumber { get; init; }

    /// <summary>The <c>devpath</c> attribute (port chain, <c>0</c> for a root hub); null on kernels older than 2.6.32.</summary>
    public string? DevPath { get; init; }

    /// <summary>The device's directory relative to the sysfs root (<c>/devices/pci0000:00/.../1-2</c>), the key of later uevents.</summary>
    public string? SysfsPath { get; init; }

    public required ushort VendorId { get; init; }

    public required ushort ProductId { get; init; }

    public ushort? BcdDevice { get; init; }

    public required byte DeviceClass { get; init; }

    public byte? DeviceSubClass { get; init; }

    public byte? DeviceProtocol { get; init; }

    /// <summary>Megabits per second as the kernel writes it ("1.5", "12", "480", "5000"...).</summary>
    public string? Speed { get; init; }

    public string? Serial { get; init; }

    public string? Manufacturer { get; init; }

    public string? Product { get; init; }

    /// <summary><c>removable</c>, <c>fixed</c> or <c>unknown</c> (driver core); null on old kernels.</summary>
    public string? Removable { get; init; }

    public bool? Authorized { get; init; }

    public int? MaxChild { get; init; }

    public IReadOnlyList<UsbInterface> Interfaces { get; init; } = [];

    public bool IsRootHub => Port.IsRootHub;

    public bool IsHub => IsRootHub || DeviceClass == UsbClass.Hub || MaxChild > 0;

    public string Address => DeviceIdentity.Address(Bus, DeviceNumber);
}
