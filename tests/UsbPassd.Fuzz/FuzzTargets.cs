namespace UsbPassd.Fuzz;

/// <summary>
/// The fuzz targets by name. Each takes one input and either returns (the parser accepted it or
/// refused it the way it documents) or throws: afl++ counts an exception that escapes as a crash,
/// and the unit tests that replay the corpora fail on it.
/// </summary>
public static class FuzzTargets
{
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["uevent-kernel"] = UeventTarget.Kernel,
        ["uevent-udev"] = UeventTarget.Udev,
        ["rpc"] = RpcTarget.Run,
        ["policy"] = PolicyTarget.Run,
        ["sysfs"] = SysfsTarget.Run,
        ["usb-ids"] = UsbIdsTarget.Run,
        ["hook"] = HookTarget.Run,
    };
}
