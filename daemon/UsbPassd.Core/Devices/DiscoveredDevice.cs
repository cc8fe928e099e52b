namespace UsbPassd.Devices;

/// <summary>A present device with its identity, eligibility (and the policy rule that decided it) and display names.</summary>
public sealed record DiscoveredDevice(
    UsbDevice Device,
    string DevId,
    bool Ambiguous,
    string? IneligibleReason,
    string? VendorName,
    string? ProductName,
    string? PolicyRule = null,
    string? PolicyReason = null)
{
    public bool Eligible => IneligibleReason is null;
}
