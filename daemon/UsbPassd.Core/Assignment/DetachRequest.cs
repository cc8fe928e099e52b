namespace UsbPassd.Assignment;

/// <summary>Take a device back from a domain (name or UUID); <paramref name="Mode"/> as for attach, by default what the claim was.</summary>
public sealed record DetachRequest(DeviceKey? Device, string? Instance, string? Mode = null);
