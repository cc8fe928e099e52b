namespace UsbPassd.Devices;

/// <summary>The result of one pass over sysfs: the devices read and the entries skipped, with why.</summary>
public sealed record DeviceScan(string SysfsRoot, bool BusPresent, IReadOnlyList<UsbDevice> Devices, IReadOnlyList<ScanProblem> Skipped);
