namespace UsbPassd.Policy;

/// <summary>
/// What the registry keeps of a policy decision: the short reason a device is not eligible
/// (<c>hub</c>, <c>root_hub</c>, <c>policy</c>, <c>mounted_storage</c>...; null when it may pass),
/// the rule that decided, and the decision in words.
/// </summary>
public sealed record DeviceJudgement(string? IneligibleReason, string? Rule, string? Reason)
{
    public static DeviceJudgement Of(PolicyDecision d) => new(
        d.Verdict switch
        {
            PolicyVerdict.Allowed => null,
            PolicyVerdict.Blocked => "policy",
            _ => Snake(d.Refusals[0].Check),
        },
        d.Rule.Description,
        d.Reason);

    // RootHub → root_hub, MountedStorage → mounted_storage: the registry's existing reasons.
    private static string Snake(SafetyCheck check) =>
        string.Concat(check.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
