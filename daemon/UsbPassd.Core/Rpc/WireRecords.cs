using UsbPassd.Devices;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;
using UsbPassd.Registry;

namespace UsbPassd.Rpc;

/// <summary>From registry rows and device facts to the wire's records: the one place the protocol meets the registry.</summary>
public static class WireRecords
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
        Info = ExtraInfo.Read(row.ExtraInfo)?.ToInfo(),
    };

    public static UsbDeviceInfo ToInfo(this DeviceFacts f) => new()
    {
        PortId = f.PortId,
        ParentPortId = f.ParentPortId,
        BusId = f.BusId,
        DeviceId = f.DeviceId,
        Address = f.Address,
        DevId = f.DevId,
        VendorId = f.VendorId,
        ProductId = f.ProductId,
        BcdDevice = f.BcdDevice,
        DeviceClass = f.DeviceClass,
        DeviceSubclass = f.DeviceSubclass,
        DeviceProtocol = f.DeviceProtocol,
        DeviceClassName = f.DeviceClassName,
        VendorName = f.VendorName,
        ProductName = f.ProductName,
        Manufacturer = f.Manufacturer,
        Product = f.Product,
        Serial = f.Serial,
        SpeedMbps = f.SpeedMbps,
        Devpath = f.Devpath,
        SysfsPath = f.SysfsPath,
        Removable = f.Removable,
        Authorized = f.Authorized,
        Maxchild = f.Maxchild,
        IsHub = f.IsHub,
        IsRootHub = f.IsRootHub,
        Interfaces = [.. f.Interfaces.Select(i => new UsbInterfaceInfo { Number = i.Number, Class = i.Class, Subclass = i.Subclass, Protocol = i.Protocol, ClassName = i.ClassName })],
        Ambiguous = f.Ambiguous,
        Eligible = f.Eligible,
        IneligibleReason = f.IneligibleReason,
        PolicyRule = f.PolicyRule,
        PolicyReason = f.PolicyReason,
    };
}
