using UsbPassd.Protocol.Messages;

namespace UsbPassd.Protocol.StreamJsonRpc;

/// <summary>One notification as received: its method (<c>device.added</c>, ...) and its params.</summary>
public sealed record DeviceNotification(string Method, DeviceEvent Event);
