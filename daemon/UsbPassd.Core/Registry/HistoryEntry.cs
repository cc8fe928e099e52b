namespace UsbPassd.Registry;

/// <summary>A row of the append-only <c>usb_device_history</c> table.</summary>
public sealed class HistoryEntry
{
    public long Id { get; set; }
    public string At { get; set; } = "";
    public long RowId { get; set; }
    public string DevId { get; set; } = "";
    public string Kind { get; set; } = "";
    public string? Detail { get; set; }
}
