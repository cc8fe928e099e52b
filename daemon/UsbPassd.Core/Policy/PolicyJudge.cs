using UsbPassd.Devices;
using UsbPassd.Migration;

namespace UsbPassd.Policy;

/// <summary>
/// A policy with the host it runs on: judges devices with fresh <see cref="HostFacts"/>. When the
/// host's state cannot be read (no mount table), storage is refused rather than guessed about.
/// </summary>
public sealed class PolicyJudge(DevicePolicy policy, HostFactsReader facts)
{
    public DevicePolicy Policy { get; } = policy;

    /// <summary>One decision per device, with the host's tables read once for the batch.</summary>
    public IReadOnlyList<PolicyDecision> Decide(IReadOnlyList<UsbDevice> devices)
    {
        IReadOnlyList<HostFacts> host;
        try
        {
            host = facts.Read(devices, HostSafety.Needs);
        }
        catch (IOException e)
        {
            host = [.. devices.Select(d => Unknown(d, e.Message))];
        }

        return [.. devices.Select((d, i) => Policy.Evaluate(d, host[i]))];
    }

    // Fail closed: a mass-storage device counts as mounted when nobody can tell that it is not.
    private static HostFacts Unknown(UsbDevice device, string why) => new()
    {
        BlockDevicesInUse = device.Interfaces.Any(i => i.Class == 0x08)
            ? [new BlockDeviceUse("?", false, BlockUse.Mounted, $"unknown: the host's mount table could not be read ({why})")]
            : [],
    };

    /// <summary>
    /// The rules and the checks the device itself answers (hub, root hub), without reading the host:
    /// cheap enough for every commit of the event pipeline. Mounts, swap and keyboards change
    /// without any USB event, so they are judged when it matters, by <see cref="Decide"/> before a
    /// device is reserved or attached.
    /// </summary>
    public IReadOnlyList<DeviceJudgement> JudgeRules(IReadOnlyList<UsbDevice> devices) =>
        [.. devices.Select(d => Policy.Evaluate(d, NoHost).Judgement)];

    /// <summary>
    /// The migration decision the rules give the device (its deciding allow rule's <c>migration</c>), or null
    /// when they say none, and then <see cref="MigrationDecisions.Default"/> applies. Pure: reads no host state.
    /// </summary>
    public MigrationDecision? MigrationDefault(UsbDevice device) => Policy.MigrationDefault(device);

    private static readonly HostFacts NoHost = new();
}
