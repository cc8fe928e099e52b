using UsbPassd.Registry;

namespace UsbPassd.Assignment;

/// <summary>What an operation left: the device's row as it is now, and its claim (null once released).</summary>
public sealed record AssignmentOutcome(DeviceRow Device, Claim? Claim);
