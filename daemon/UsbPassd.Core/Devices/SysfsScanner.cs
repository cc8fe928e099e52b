using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using static UsbPassd.Interop.Interop;

namespace UsbPassd.Devices;

/// <summary>
/// Discovery: reads every USB device under <c>&lt;sysfs-root&gt;/bus/usb/devices</c>. Interfaces are
/// not devices and are skipped; an entry that cannot be read becomes a <see cref="ScanProblem"/>
/// and the rest of the bus is still listed. Safe for concurrent use: the uevent pipeline and every
/// policy check of the RPC connections share one scanner, so each <see cref="Scan"/> and
/// <see cref="TryReadDevice"/> reads with buffers of its own, rented from the shared pool.
/// </summary>
public sealed class SysfsScanner
{
    private const int TextBufferSize = 4096;       // a sysfs text attribute is at most one page
    private const int DescriptorBufferSize = 65536; // wTotalLength is 16 bits

    private readonly string _root;

    public SysfsScanner(string sysfsRoot) => _root = sysfsRoot;

    public string DevicesDirectory => Path.Combine(_root, "bus", "usb", "devices");

    public DeviceScan Scan()
    {
        string directory = DevicesDirectory;
        List<string> names;
        try
        {
            names = [.. Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).OfType<string>()];
        }
        catch (DirectoryNotFoundException)
        {
            return new DeviceScan(_root, BusPresent: false, [], []);
        }

        using var reader = new DeviceReader();
        var devices = new List<UsbDevice>(names.Count / 2);
        var skipped = new List<ScanProblem>();
        var interfacesOf = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            int colon = name.IndexOf(':');
            if (colon > 0)
            {
                if (!interfacesOf.TryGetValue(name[..colon], out List<string>? list))
                {
                    interfacesOf[name[..colon]] = list = [];
                }

                list.Add(name);
            }
        }

        foreach (string name in names)
        {
            if (name.Contains(':'))
            {
                continue;
            }

            if (!UsbPortPath.TryParse(name, out UsbPortPath? port))
            {
                skipped.Add(new ScanProblem(name, "not a USB device name (expected usbB or B-P.P...); skipped"));
                continue;
            }

            interfacesOf.TryGetValue(name, out List<string>? interfaceNames);
            if (TryRead(reader, port.Value, Path.Combine(directory, name), devPath: null, interfaceNames, out UsbDevice? device, out string? reason))
            {
                devices.Add(device);
            }
            else
            {
                skipped.Add(new ScanProblem(name, reason));
            }
        }

        return new DeviceScan(_root, BusPresent: true, devices, skipped);
    }

    /// <summary>Reads one device by its uevent DEVPATH (<c>/devices/.../1-2</c>), e.g. on an add event.</summary>
    public bool TryReadDevice(string devPath, [NotNullWhen(true)] out UsbDevice? device, [NotNullWhen(false)] out string? problem)
    {
        device = null;
        string name = devPath[(devPath.LastIndexOf('/') + 1)..];
        if (!UsbPortPath.TryParse(name, out UsbPortPath? port))
        {
            problem = $"{name}: not a USB device name";
            return false;
        }

        using var reader = new DeviceReader();
        if (TryRead(reader, port.Value, _root + devPath, devPath, interfaceNames: null, out device, out string? reason))
        {
            problem = null;
            return true;
        }

        problem = $"{name}: {reason}";
        return false;
    }

    /// <summary>One device's trouble is that device's: false with the reason, never an exception that fails the scan.</summary>
    /// <param name="devPath">The DEVPATH when known, else read from the bus/usb/devices link at <paramref name="path"/>.</param>
    private static bool TryRead(DeviceReader reader, UsbPortPath port, string path, string? devPath, List<string>? interfaceNames, [NotNullWhen(true)] out UsbDevice? device, [NotNullWhen(false)] out string? reason)
    {
        device = null;
        try
        {
            device = reader.Read(port, path, devPath ?? ResolveSysfsPath(path), interfaceNames);
            reason = null;
            return true;
        }
        catch (ScanSkipException e)
        {
            reason = e.Message;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An attribute that exists but cannot be read (SysfsException), or the entry's link.
            reason = $"{e.Message}; skipped";
        }

        return false;
    }

    // The link target is ../../../devices/...; the part from /devices on is the kernel's DEVPATH.
    private static string? ResolveSysfsPath(string entry)
    {
        string? target = new FileInfo(entry).LinkTarget;
        if (target is null)
        {
            return null;
        }

        int at = target.IndexOf("/devices/", StringComparison.Ordinal);
        return at < 0 ? null : target[at..].TrimEnd('/');
    }

    private sealed class ScanSkipException(string message) : Exception(message);

    /// <summary>Reads devices on one thread: a scan's or a single read's buffers, rented once and given back on dispose.</summary>
    private sealed class DeviceReader : IDisposable
    {
        private readonly byte[] _textArray = ArrayPool<byte>.Shared.Rent(TextBufferSize);
        private readonly byte[] _descriptorArray = ArrayPool<byte>.Shared.Rent(DescriptorBufferSize);

        // Rent may give more; the sizes are the limits of what is read.
        private Span<byte> TextBuffer => _textArray.AsSpan(0, TextBufferSize);

        private Span<byte> DescriptorBuffer => _descriptorArray.AsSpan(0, DescriptorBufferSize);

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(_textArray);
            ArrayPool<byte>.Shared.Return(_descriptorArray);
        }

        public UsbDevice Read(UsbPortPath port, string path, string? sysfsPath, List<string>? interfaceNames)
        {
            using SysfsDirectory dir = SysfsDirectory.TryOpen(path, out int errno)
                ?? throw new ScanSkipException(errno switch
                {
                    Errno.ENOENT => "its directory does not exist (a dangling link, or the device is already gone); skipped",
                    Errno.ENOTDIR => "not a directory; skipped",
                    _ => $"cannot open: {Libc.StrError(errno)}; skipped",
                });

            ushort vendor = RequireHex16(dir, SysfsAttributes.IdVendor);
            ushort product = RequireHex16(dir, SysfsAttributes.IdProduct);
            byte deviceClass = RequireHex8(dir, SysfsAttributes.DeviceClass);
            int bus = RequireDecimal(dir, SysfsAttributes.BusNumber);
            int devnum = RequireDecimal(dir, SysfsAttributes.DeviceNumber);
            string? maxChild = Text(dir, SysfsAttributes.MaxChild);
            string? authorized = Text(dir, SysfsAttributes.Authorized);

            return new UsbDevice
            {
                Port = port,
                Bus = bus,
                DeviceNumber = devnum,
                DevPath = Text(dir, SysfsAttributes.DevPath),
                SysfsPath = sysfsPath,
                VendorId = vendor,
                ProductId = product,
                BcdDevice = SysfsValues.TryHex16(Text(dir, SysfsAttributes.BcdDevice), out ushort bcd) ? bcd : null,
                DeviceClass = deviceClass,
                DeviceSubClass = SysfsValues.TryHex8(Text(dir, SysfsAttributes.DeviceSubClass), out byte sub) ? sub : null,
                DeviceProtocol = SysfsValues.TryHex8(Text(dir, SysfsAttributes.DeviceProtocol), out byte proto) ? proto : null,
                Speed = Text(dir, SysfsAttributes.Speed),
                Serial = Text(dir, SysfsAttributes.Serial),
                Manufacturer = Text(dir, SysfsAttributes.Manufacturer),
                Product = Text(dir, SysfsAttributes.Product),
                Removable = Text(dir, SysfsAttributes.Removable),
                Authorized = authorized switch { "1" => true, "0" => false, _ => null },
                MaxChild = SysfsValues.TryDecimal(maxChild, out int children) ? children : null,
                Interfaces = ReadInterfaces(dir, path, interfaceNames),
            };
        }

        private UsbInterface[] ReadInterfaces(SysfsDirectory dir, string path, List<string>? interfaceNames)
        {
            int n = dir.Read(SysfsAttributes.Descriptors, DescriptorBuffer);
            int? active = SysfsValues.TryDecimal(Text(dir, SysfsAttributes.ConfigurationValue), out int value) ? value : null;
            try
            {
                if (n > 0 && UsbDescriptors.TryParseInterfaces(DescriptorBuffer[..n], active, out UsbInterface[] parsed))
                {
                    return parsed;
                }
            }
            catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException)
            {
                // The last line, should the parser still slip (it checks every length and is fuzzed):
                // the bytes are the device's choice, and an index or slice past them must cost that
                // device, skipped with the reason that the pipeline logs, not the scan of the whole bus
                // (one device with bLength 0xff stopped the daemon at start). Other exceptions are bugs
                // of ours and stay loud.
                throw new ScanSkipException($"unreadable descriptors ({e.Message}); skipped");
            }

            // No usable descriptors (very old kernel, odd tree): fall back to the interface directories.
            var found = new List<UsbInterface>();
            foreach (string name in interfaceNames ?? [])
            {
                int dot = name.LastIndexOf('.');
                // Interface directories are children of the device directory, and bus/usb/devices links them too.
                using SysfsDirectory? iface = SysfsDirectory.TryOpen(Path.Combine(path, name), out _);
                if (iface is null || !int.TryParse(name.AsSpan(dot + 1), out int number)
                    || !SysfsValues.TryHex8(Text(iface, SysfsAttributes.InterfaceClass), out byte cls))
                {
                    continue;
                }

                SysfsValues.TryHex8(Text(iface, SysfsAttributes.InterfaceSubClass), out byte sub);
                SysfsValues.TryHex8(Text(iface, SysfsAttributes.InterfaceProtocol), out byte proto);
                found.Add(new UsbInterface(number, cls, sub, proto));
            }

            return [.. found.OrderBy(i => i.Number)];
        }

        private string? Text(SysfsDirectory dir, ReadOnlySpan<byte> nameZ) => dir.ReadText(nameZ, TextBuffer);

        private string RequireText(SysfsDirectory dir, ReadOnlySpan<byte> nameZ) =>
            Text(dir, nameZ) ?? throw new ScanSkipException($"{SysfsAttributes.Name(nameZ)} is missing; skipped");

        private ushort RequireHex16(SysfsDirectory dir, ReadOnlySpan<byte> nameZ)
        {
            string text = RequireText(dir, nameZ);
            return SysfsValues.TryHex16(text, out ushort v) ? v
                : throw new ScanSkipException($"{SysfsAttributes.Name(nameZ)} is '{Printable(text)}', expected 4 hex digits; skipped");
        }

        private byte RequireHex8(SysfsDirectory dir, ReadOnlySpan<byte> nameZ)
        {
            string text = RequireText(dir, nameZ);
            return SysfsValues.TryHex8(text, out byte v) ? v
                : throw new ScanSkipException($"{SysfsAttributes.Name(nameZ)} is '{Printable(text)}', expected 2 hex digits; skipped");
        }

        private int RequireDecimal(SysfsDirectory dir, ReadOnlySpan<byte> nameZ)
        {
            string text = RequireText(dir, nameZ);
            return SysfsValues.TryDecimal(text, out int v) ? v
                : throw new ScanSkipException($"{SysfsAttributes.Name(nameZ)} is '{Printable(text)}', expected a decimal number; skipped");
        }

        private static string Printable(string text) =>
            text.Length > 40 ? text[..40] + "…" : text.ReplaceLineEndings("\\n");
    }
}
