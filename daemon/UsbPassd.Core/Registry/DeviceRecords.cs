using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Registry;

/// <summary>From a registry row to the wire record.</summary>
public static class DeviceRecords
{
    public static DeviceRecord ToRecord(this DeviceRow row) => new()
    {
        Id = row.Id,
        Status = row.Status,
        DevId = row.DevId,
        PortId = row.PortId,
        Address = row.Address,
        VendorId = row.VendorId,
        ProductId = row.ProductId,
        Serial = row.Serial,
        BusId = row.BusId,
        DeviceId = row.DeviceId,
        InstanceUuid = row.InstanceUuid,
        PreviousId = row.PreviousId,
        Present = row.Present != 0,
        Deleted = row.Deleted != 0,
        CreatedAt = row.CreatedAt,
        UpdatedAt = row.UpdatedAt,
        DeletedAt = row.DeletedAt,
        Info = Info(row.ExtraInfo),
    };

    // Seed-era rows have no (or foreign) extra_info: they are shown without facts rather than refused.
    private static UsbDeviceInfo? Info(string? extra)
    {
        if (string.IsNullOrEmpty(extra))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(extra, ProtocolJson.Default.UsbDeviceInfo);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
