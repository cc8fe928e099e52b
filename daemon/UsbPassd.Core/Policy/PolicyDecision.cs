using UsbPassd.Devices;

namespace UsbPassd.Policy;

/// <summary>
/// What the policy says of one device, the rule that decided, and in words why
/// (<see cref="Reason"/>, for <c>usbpassctl policy check</c> and the device's history).
/// </summary>
/// <param name="Verdict">Allowed, blocked by a rule, or refused by host safety.</param>
/// <param name="Rule">The first rule that matched, or the default: the rule to record with the device.</param>
/// <param name="Refusals">The safety checks that refuse the device (only when <see cref="PolicyVerdict.Refused"/>).</param>
/// <param name="Overridden">The safety checks that would have refused it, switched off by the rule's <c>override</c>.</param>
public sealed record PolicyDecision(
    PolicyVerdict Verdict,
    PolicyRule Rule,
    IReadOnlyList<SafetyRefusal> Refusals,
    IReadOnlyList<SafetyRefusal> Overridden)
{
    public bool Allowed => Verdict == PolicyVerdict.Allowed;

    /// <summary>
    /// <c>block: rule 3 'block with-interface 03:*:*' (label: no HID)</c>, <c>refused: partition sdb1 is
    /// mounted on /mnt/data (mounted-storage); without that, rule 4 'allow id 0781:5581' would allow it</c>.
    /// </summary>
    public string Reason => Verdict switch
    {
        PolicyVerdict.Allowed when Overridden.Count > 0 => $"allow: {Rule.Description}, overriding: {string.Join("; ", Overridden)}",
        PolicyVerdict.Allowed => $"allow: {Rule.Description}",
        PolicyVerdict.Blocked => $"block: {Rule.Description}",
        _ => $"refused: {string.Join("; ", Refusals)}; without {(Refusals.Count == 1 ? "that" : "these")}, {Rule.Description} would allow it",
    };

    /// <summary>
    /// What the registry keeps of it: the short reason a device is not eligible (null when allowed,
    /// <c>policy</c> when blocked, else the first refusing check's <see cref="SafetyCheck.RegistryReason"/>), the rule and the reason.
    /// </summary>
    public DeviceJudgement Judgement => new(
        Verdict switch
        {
            PolicyVerdict.Allowed => null,
            PolicyVerdict.Blocked => "policy",
            _ => Refusals[0].Check.RegistryReason,
        },
        Rule.Description,
        Reason,
        Rule.Label,
        Rule.Migration);

    public override string ToString() => Reason;
}
