namespace UsbPassd.Devices;

/// <summary>A present device with its identity, eligibility and display names.</summary>
public sealed record DiscoveredDevice(
    UsbDevice Device,
    string DevId,
    bool Ambiguous,
    string? IneligibleReason,
    string? VendorName,
    string? ProductName)
{
    public bool Eligible => IneligibleReason is null;
}
