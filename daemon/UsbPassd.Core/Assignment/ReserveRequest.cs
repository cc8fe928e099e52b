namespace UsbPassd.Assignment;

/// <summary>Hold a device for an instance (by UUID, before it may exist), for <paramref name="TtlSeconds"/> or until released.</summary>
public sealed record ReserveRequest(DeviceKey? Device, string? InstanceUuid, int? TtlSeconds = null);
