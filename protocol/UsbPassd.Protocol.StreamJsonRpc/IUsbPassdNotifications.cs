using PolyType;
using StreamJsonRpc;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Protocol.StreamJsonRpc;

/// <summary>
/// What usbpassd sends a connection after <see cref="IUsbPassd.EventsSubscribeAsync"/>: one
/// notification per changed registry row, its params a <see cref="DeviceEvent"/> (read whole, as one
/// object). Implement it, or take <see cref="DeviceNotifications"/>, and give it to
/// <see cref="UsbPassdRpc.AttachAsync"/>. Called on StreamJsonRpc's reading thread, in the order sent.
/// </summary>
[GenerateShape(IncludeMethods = MethodShapeFlags.PublicInstance)]
public partial interface IUsbPassdNotifications
{
    /// <summary>A new row: a device appeared, returned, or was renumbered (<c>ReplacesId</c>: the row it replaces).</summary>
    [JsonRpcMethod(Methods.Notifications.DeviceAdded, UseSingleObjectParameterDeserialization = true)]
    void DeviceAdded(DeviceEvent e);

    /// <summary>A row left the live set: unplugged, or replaced by a renumbered row.</summary>
    [JsonRpcMethod(Methods.Notifications.DeviceRemoved, UseSingleObjectParameterDeserialization = true)]
    void DeviceRemoved(DeviceEvent e);

    /// <summary>A live row changed: status, owner, ambiguity, missing.</summary>
    [JsonRpcMethod(Methods.Notifications.DeviceChanged, UseSingleObjectParameterDeserialization = true)]
    void DeviceChanged(DeviceEvent e);
}
