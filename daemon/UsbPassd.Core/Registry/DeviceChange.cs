using UsbPassd.Devices;

namespace UsbPassd.Registry;

/// <summary>One step of a reconciliation plan.</summary>
public abstract record DeviceChange
{
    private DeviceChange() { }

    /// <summary>A device with no live row. <paramref name="PreviousId"/> links it to its last deleted row.</summary>
    public sealed record Added(DiscoveredDevice Device, long? PreviousId, string Status) : DeviceChange;

    /// <summary>The live row still describes the device; its facts are refreshed.</summary>
    public sealed record Refreshed(DeviceRow Row, DiscoveredDevice Device, string Status) : DeviceChange;

    /// <summary>The old row is deleted and a new one points to it (<see cref="HistoryKind.Renumbered"/> or <see cref="HistoryKind.Reidentified"/>).</summary>
    public sealed record Replaced(DeviceRow Old, DiscoveredDevice Device, string Kind, string Status) : DeviceChange;

    /// <summary>No present device matches the row: missing if owned, else deleted.</summary>
    public sealed record Gone(DeviceRow Row) : DeviceChange;
}
