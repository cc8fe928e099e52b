using UsbPassd.Registry;

namespace UsbPassd.Assignment;

/// <summary>
/// Hold a device for an instance (by UUID, before it may exist), for <paramref name="TtlSeconds"/> or
/// until released; <paramref name="Origin"/> says whether a Placement allocation asked for it.
/// </summary>
public sealed record ReserveRequest(DeviceKey? Device, string? InstanceUuid, int? TtlSeconds = null, ClaimOrigin Origin = ClaimOrigin.Local);
