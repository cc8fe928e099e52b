namespace UsbPassd.Assignment;

/// <summary>Give back a device an instance holds reserved (not attached).</summary>
public sealed record ReleaseRequest(DeviceKey? Device, string? InstanceUuid);
