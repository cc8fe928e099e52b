using System.Threading.Channels;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Protocol.StreamJsonRpc;

/// <summary>
/// The notifications of one connection in a channel, in the order sent, for callers that await them
/// rather than implement <see cref="IUsbPassdNotifications"/>. Unbounded: read it, or the daemon's
/// events pile up here (the daemon itself drops a client that does not read its socket).
/// </summary>
public sealed class DeviceNotifications : IUsbPassdNotifications
{
    private readonly Channel<DeviceNotification> _received = Channel.CreateUnbounded<DeviceNotification>(new UnboundedChannelOptions { SingleWriter = true });

    public ChannelReader<DeviceNotification> Reader => _received.Reader;

    public void DeviceAdded(DeviceEvent e) => _received.Writer.TryWrite(new(Methods.Notifications.DeviceAdded, e));

    public void DeviceRemoved(DeviceEvent e) => _received.Writer.TryWrite(new(Methods.Notifications.DeviceRemoved, e));

    public void DeviceChanged(DeviceEvent e) => _received.Writer.TryWrite(new(Methods.Notifications.DeviceChanged, e));

    /// <summary>No more will come (the connection ended).</summary>
    internal void Complete(Exception? why) => _received.Writer.TryComplete(why);
}
