using UsbPassd.Devices;

namespace UsbPassd.Policy;

/// <summary>
/// The built-in host safety checks. <see cref="Checks"/> is the one list of them (a new check is a
/// class in this folder and a line there), in the order they run, are named in error messages and
/// are printed in <c>override { … }</c>.
/// </summary>
internal static class HostSafety
{
    public static IReadOnlyList<SafetyCheck> Checks { get; } =
    [
        new RootHubCheck(),
        new HubCheck(),
        new MountedStorageCheck(),
        new SwapStorageCheck(),
        new HeldStorageCheck(),
        new LastKeyboardCheck(),
    ];

    /// <summary>Every host fact some check reads: what <see cref="HostFactsReader"/> has to read.</summary>
    public static HostFact Needs { get; } = Checks.Aggregate(HostFact.None, (needs, check) => needs | check.Needs);

    /// <summary>"root-hub, hub, mounted-storage, …", for error messages.</summary>
    public static string NameList { get; } = string.Join(", ", Checks.Select(c => c.Name));

    public static SafetyCheck? Find(string name) => Checks.FirstOrDefault(c => c.Name == name);

    /// <summary>What every check refuses the device for, check by check.</summary>
    public static List<SafetyRefusal> Check(UsbDevice device, HostFacts facts) =>
        [.. Checks.SelectMany(check => check.Refuse(device, facts).Select(reason => new SafetyRefusal(check, reason)))];
}
