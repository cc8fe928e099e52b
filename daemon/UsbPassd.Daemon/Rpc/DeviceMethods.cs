using System.Reflection;
using UsbPassd.Daemon.Hosting;
using UsbPassd.Daemon.Pipeline;
using UsbPassd.Pipeline;
using UsbPassd.Protocol;
using UsbPassd.Protocol.JsonRpc;
using UsbPassd.Protocol.Messages;
using UsbPassd.Registry;
using UsbPassd.Rpc;

namespace UsbPassd.Daemon.Rpc;

/// <summary>The read methods: host.info, devices.list, devices.get, events.subscribe.</summary>
public sealed class DeviceMethods(DeviceRepository registry, PipelineStats stats, DaemonOptions options, UeventService uevents)
{
    private static readonly string Version = typeof(DeviceMethods).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
    private readonly string _startedAt = Timestamps.Format(DateTimeOffset.UtcNow);

    public void Register(RpcDispatcher dispatcher)
    {
        dispatcher.Add(Methods.HostInfo, Privilege.Read, ProtocolJson.Default.NoParams, ProtocolJson.Default.HostInfo, (_, _, _) => ValueTask.FromResult(HostInfo()));
        dispatcher.Add(Methods.DevicesList, Privilege.Read, ProtocolJson.Default.DevicesListParams, ProtocolJson.Default.DeviceRecordArray, (_, p, _) => ValueTask.FromResult(List(p)));
        dispatcher.Add(Methods.DevicesGet, Privilege.Read, ProtocolJson.Default.DevicesGetParams, ProtocolJson.Default.DeviceRecord, (_, p, _) => ValueTask.FromResult(Get(p)));
        dispatcher.Add(Methods.EventsSubscribe, Privilege.Read, ProtocolJson.Default.NoParams, ProtocolJson.Default.SubscribeResult, (context, _, _) =>
        {
            if (context.Connection is not null)
            {
                context.Connection.Subscribed = true;
            }

            return ValueTask.FromResult(new SubscribeResult
            {
                Events = [Methods.Notifications.DeviceAdded, Methods.Notifications.DeviceRemoved, Methods.Notifications.DeviceChanged],
            });
        });
    }

    private HostInfo HostInfo() => new()
    {
        Hostname = Environment.MachineName,
        Version = Version,
        Pid = Environment.ProcessId,
        StartedAt = _startedAt,
        Libvirt = options.LibvirtEnabled ? "disconnected" : "disabled",
        Uevents = uevents.SourceDescription,
        DevicesByStatus = registry.CountByStatus(),
        UeventsProcessed = stats.Events,
        UeventsRejected = stats.Rejected,
    };

    private DeviceRecord[] List(DevicesListParams p) =>
        [.. registry.List(p.Status, p.VendorId, p.ProductId, p.Serial, p.InstanceUuid, p.IncludeDeleted).Select(r => r.ToRecord())];

    private DeviceRecord Get(DevicesGetParams p)
    {
        (string name, string? value)[] given = [.. new (string, string?)[] { ("id", p.Id?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("dev_id", p.DevId), ("port_id", p.PortId), ("address", p.Address) }.Where(s => s.Item2 is not null)];
        if (given.Length != 1)
        {
            throw new RpcException(ErrorCodes.InvalidParams, "give exactly one of id, dev_id, port_id, address");
        }

        IReadOnlyList<DeviceRow> rows = registry.Find(p.Id, p.DevId, p.PortId, p.Address);
        return rows.Count switch
        {
            1 => rows[0].ToRecord(),
            0 => throw new RpcException(ErrorCodes.DeviceNotFound, $"no device with {given[0].name} {given[0].value} ('usbpassctl list' shows the devices)"),
            _ => throw new RpcException(ErrorCodes.DeviceAmbiguous, $"{rows.Count} devices match {given[0].name} {given[0].value}; use port_id or id"),
        };
    }
}
