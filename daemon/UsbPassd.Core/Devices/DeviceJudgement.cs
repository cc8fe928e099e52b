namespace UsbPassd.Devices;

/// <summary>
/// What the registry keeps of a device policy's decision: the short reason a device is not eligible
/// (<c>hub</c>, <c>root_hub</c>, <c>policy</c>, <c>mounted_storage</c>...; null when it may pass),
/// the rule that decided, and the decision in words; and what the deciding rule says beyond allow
/// or block: its label, and what a live migration does with the device.
/// </summary>
public sealed record DeviceJudgement(string? IneligibleReason, string? Rule, string? Reason, string? Label = null, Migration.MigrationDecision? Migration = null);
