namespace UsbPassd.Devices;

/// <summary>From a scanned device to the facts the registry keeps of it.</summary>
public static class DeviceFactsMapping
{
    public static DeviceFacts ToFacts(this DiscoveredDevice found, UsbIds names)
    {
        UsbDevice d = found.Device;
        return new DeviceFacts
        {
            PortId = d.PortId,
            ParentPortId = d.ParentPortId,
            BusId = d.Bus,
            DeviceId = d.DeviceNumber,
            Address = d.Address,
            DevId = found.DevId,
            VendorId = Hex4(d.VendorId),
            ProductId = Hex4(d.ProductId),
            BcdDevice = d.BcdDevice is ushort bcd ? Hex4(bcd) : null,
            DeviceClass = Hex2(d.DeviceClass),
            DeviceSubclass = d.DeviceSubClass is byte sub ? Hex2(sub) : null,
            DeviceProtocol = d.DeviceProtocol is byte proto ? Hex2(proto) : null,
            DeviceClassName = names.Class(d.DeviceClass),
            VendorName = found.VendorName,
            ProductName = found.ProductName,
            Manufacturer = d.Manufacturer,
            Product = d.Product,
            Serial = d.Serial,
            SpeedMbps = SysfsValues.SpeedMbps(d.Speed),
            Devpath = d.DevPath,
            SysfsPath = d.SysfsPath,
            Removable = d.Removable,
            Authorized = d.Authorized,
            Maxchild = d.MaxChild,
            IsHub = d.IsHub,
            IsRootHub = d.IsRootHub,
            Interfaces = [.. d.Interfaces.Select(i => new InterfaceFacts
            {
                Number = i.Number,
                Class = Hex2(i.Class),
                Subclass = Hex2(i.SubClass),
                Protocol = Hex2(i.Protocol),
                ClassName = names.Class(i.Class),
            })],
            Ambiguous = found.Ambiguous,
            Eligible = found.Eligible,
            IneligibleReason = found.IneligibleReason,
            PolicyRule = found.PolicyRule,
            PolicyReason = found.PolicyReason,
        };
    }

    public static string Hex4(ushort value) => value.ToString("x4");

    public static string Hex2(byte value) => value.ToString("x2");
}
