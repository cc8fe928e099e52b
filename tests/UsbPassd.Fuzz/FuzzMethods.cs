using System.Text.Json.Serialization.Metadata;
using UsbPassd.Protocol;
using UsbPassd.Rpc;

namespace UsbPassd.Fuzz;

/// <summary>
/// The daemon's method table, with the protocol's real params records and binding, but handlers that
/// answer with the bound params: the daemon's own handlers need its services (libvirt, the registry,
/// Placement), and what is fuzzed here is the dispatcher and binding, not those. Privileges as the
/// daemon registers them (read methods for the socket group, the rest for root and the admin group).
/// </summary>
public static class FuzzMethods
{
    public static RpcDispatcher Dispatcher(AccessPolicy policy)
    {
        var d = new RpcDispatcher(policy);
        ProtocolJson json = ProtocolJson.Default;
        Echo(d, Methods.HostInfo, Privilege.Read, json.NoParams);
        Echo(d, Methods.DevicesList, Privilege.Read, json.DevicesListParams);
        Echo(d, Methods.DevicesGet, Privilege.Read, json.DevicesGetParams);
        Echo(d, Methods.EventsSubscribe, Privilege.Read, json.NoParams);
        Echo(d, Methods.DevicesReserve, Privilege.Modify, json.ReserveParams);
        Echo(d, Methods.DevicesRelease, Privilege.Modify, json.ReleaseParams);
        Echo(d, Methods.DevicesAttach, Privilege.Modify, json.AttachParams);
        Echo(d, Methods.DevicesDetach, Privilege.Modify, json.DetachParams);
        Echo(d, Methods.DevicesSwap, Privilege.Modify, json.SwapParams);
        Echo(d, Methods.DevicesSetMigration, Privilege.Modify, json.SetMigrationParams);
        Echo(d, Methods.InstancesDevices, Privilege.Read, json.InstanceParams);
        Echo(d, Methods.InstancesMigrationCheck, Privilege.Read, json.MigrationCheckParams);
        Echo(d, Methods.MetricsGet, Privilege.Read, json.NoParams);
        Echo(d, Methods.PolicyCheck, Privilege.Read, json.PolicyCheckParams);
        Echo(d, Methods.PolicyShow, Privilege.Read, json.NoParams);
        Echo(d, Methods.PolicyReload, Privilege.Modify, json.NoParams);
        Echo(d, Methods.HistoryList, Privilege.Read, json.HistoryParams);
        Echo(d, Methods.HookQemu, Privilege.Modify, json.HookParams);
        return d;
    }

    private static void Echo<T>(RpcDispatcher d, string method, Privilege privilege, JsonTypeInfo<T> info)
        where T : new() =>
        d.Add(method, privilege, info, info, (_, p, _) => ValueTask.FromResult(p));
}
