using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using UsbPassd.Daemon.Services;
using UsbPassd.Pipeline;
using UsbPassd.Protocol;
using UsbPassd.Protocol.JsonRpc;
using UsbPassd.Protocol.Messages;
using UsbPassd.Registry;
using UsbPassd.Rpc;

namespace UsbPassd.Daemon.Api;

/// <summary>The read methods: host.info, devices.list, devices.get, events.subscribe.</summary>
public sealed class DeviceMethods(DeviceRepository registry, DeviceView view, PipelineStats stats, UeventService uevents, LibvirtService libvirt, PlacementService placement) : IRpcMethods
{
    [ModuleInitializer]
    internal static void Enlist() => RpcMethodCatalog.Enlist<DeviceMethods>();

    private static readonly string Version = typeof(DeviceMethods).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
    private readonly string _startedAt = Timestamps.Format(DateTimeOffset.UtcNow);

    public void Register(RpcDispatcher dispatcher)
    {
        dispatcher.Add(Methods.HostInfo, Privilege.Read, ProtocolJson.Default.NoParams, ProtocolJson.Default.HostInfo, (_, _, _) => ValueTask.FromResult(HostInfo()));
        dispatcher.AddPreserialized(Methods.DevicesList, Privilege.Read, ProtocolJson.Default.DevicesListParams, (_, p, _) => ValueTask.FromResult(List(p)));
        dispatcher.AddPreserialized(Methods.DevicesGet, Privilege.Read, ProtocolJson.Default.DevicesGetParams, (_, p, _) => ValueTask.FromResult(Get(p)));
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
        Libvirt = libvirt.State,
        Uevents = uevents.SourceDescription,
        DevicesByStatus = registry.CountByStatus(),
        UeventsProcessed = stats.Events,
        UeventsRejected = stats.Rejected,
        Placement = PlacementService.Info(placement.Status),
    };

    // Live rows come from the read model; the history (deleted rows) from the registry itself.
    private byte[] List(DevicesListParams p) =>
        p.IncludeDeleted
            ? JsonSerializer.SerializeToUtf8Bytes(
                [.. registry.List(p.Status, p.VendorId, p.ProductId, p.Serial, p.InstanceUuid, includeDeleted: true).Select(r => r.ToRecord())],
                ProtocolJson.Default.DeviceRecordArray)
            : view.ListJson(p);

    private byte[] Get(DevicesGetParams p)
    {
        (string name, string? value)[] given = [.. new (string, string?)[] { ("id", p.Id?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("dev_id", p.DevId), ("port_id", p.PortId), ("address", p.Address) }.Where(s => s.Item2 is not null)];
        if (given.Length != 1)
        {
            throw new RpcException(ErrorCodes.InvalidParams, "give exactly one of id, dev_id, port_id, address");
        }

        IReadOnlyList<DeviceView.Entry> live = view.Find(p.Id, p.DevId, p.PortId, p.Address);
        if (live.Count == 1)
        {
            return live[0].Json;
        }

        IReadOnlyList<DeviceRow> rows = live.Count == 0 && p.Id is not null ? registry.Find(p.Id, null, null, null) : [];
        return (live.Count + rows.Count) switch
        {
            1 => JsonSerializer.SerializeToUtf8Bytes(rows[0].ToRecord(), ProtocolJson.Default.DeviceRecord),
            0 => throw new RpcException(ErrorCodes.DeviceNotFound, $"no device with {given[0].name} {given[0].value} ('usbpassctl list' shows the devices)"),
            _ => throw new RpcException(ErrorCodes.DeviceAmbiguous, $"{live.Count} devices match {given[0].name} {given[0].value}; use port_id or id"),
        };
    }
}
