using System.Globalization;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Protocol;

/// <summary>How one word names a device: digits = registry id, usb_B_D = address, has ':' = dev_id, else a port (1-4.2).</summary>
public static class DeviceSelector
{
    public static DevicesGetParams Parse(string word) =>
        long.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out long id) ? new DevicesGetParams { Id = id }
        : word.StartsWith("usb_", StringComparison.Ordinal) ? new DevicesGetParams { Address = word }
        : word.Contains(':', StringComparison.Ordinal) ? new DevicesGetParams { DevId = word }
        : new DevicesGetParams { PortId = word };
}
