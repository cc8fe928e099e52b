using UsbPassd.Devices;
using UsbPassd.Registry;

namespace UsbPassd.Tests.Integration.Registry;

/// <summary>A real registry file in a fresh temporary folder, and a clock the test moves.</summary>
public sealed class RegistryFixture : IDisposable
{
    public RegistryFixture()
    {
        Folder = Directory.CreateTempSubdirectory("usbpassd-registry-").FullName;
        Path = System.IO.Path.Combine(Folder, "registry.db");
    }

    public string Folder { get; }

    public string Path { get; }

    public ManualClock Clock { get; } = new();

    public DeviceRepository Open() => new(RegistryDatabase.Open(Path, "labhost", Clock), UsbIds.Empty, Clock);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Folder, recursive: true);
    }

    public static UsbDevice Device(string port, int devnum, string? serial = null, ushort vendor = 0x46f4, ushort product = 0x0001) => new()
    {
        Port = UsbPortPath.Parse(port),
        Bus = UsbPortPath.Parse(port).Bus,
        DeviceNumber = devnum,
        VendorId = vendor,
        ProductId = product,
        DeviceClass = 0,
        Serial = serial,
        Product = "QEMU USB HARDDRIVE",
    };

    public static IReadOnlyList<DiscoveredDevice> Scan(params UsbDevice[] devices) => Inventory.Build(devices, UsbIds.Empty);

    public sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 21, 10, 42, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
