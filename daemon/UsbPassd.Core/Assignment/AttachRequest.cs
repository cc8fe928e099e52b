namespace UsbPassd.Assignment;

/// <summary>
/// Pass a device to a domain (name or UUID). <paramref name="Mode"/>: auto, live, config, both;
/// <paramref name="MissingPolicy"/>: optional or mandatory; <paramref name="Token"/>: the fencing
/// token of the caller's reservation, when it made one; <paramref name="Migration"/>: what a live
/// migration does with it (null: what the claim said, else the policy's or the serial's default).
/// </summary>
public sealed record AttachRequest(DeviceKey? Device, string? Instance, string? Mode = null, string? Controller = null, string? MissingPolicy = null, long? Token = null, Migration.MigrationDecision? Migration = null);
