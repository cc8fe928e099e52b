using System.Runtime.CompilerServices;
using UsbPassd.Assignment;
using UsbPassd.Protocol;
using UsbPassd.Registry;
using UsbPassd.Rpc;

namespace UsbPassd.Daemon.Api;

/// <summary>The ownership methods: reserve, release, attach, detach, swap change ownership (modify privilege); instances.devices reads.</summary>
public sealed class AssignmentMethods(AssignmentService assignments) : IRpcMethods
{
    [ModuleInitializer]
    internal static void Enlist() => RpcMethodCatalog.Enlist<AssignmentMethods>();

    public void Register(RpcDispatcher dispatcher)
    {
        dispatcher.Add(Methods.DevicesReserve, Privilege.Modify, ProtocolJson.Default.ReserveParams, ProtocolJson.Default.AssignmentResult, (call, p, _) => ValueTask.FromResult(assignments.Reserve(p.ToRequest(), By(call)).ToResult()));
        dispatcher.Add(Methods.DevicesRelease, Privilege.Modify, ProtocolJson.Default.ReleaseParams, ProtocolJson.Default.AssignmentResult, (call, p, _) => ValueTask.FromResult(assignments.Release(p.ToRequest(), By(call)).ToResult()));
        dispatcher.Add(Methods.DevicesAttach, Privilege.Modify, ProtocolJson.Default.AttachParams, ProtocolJson.Default.AssignmentResult, (call, p, _) => ValueTask.FromResult(assignments.Attach(p.ToRequest(), By(call)).ToResult()));
        dispatcher.Add(Methods.DevicesDetach, Privilege.Modify, ProtocolJson.Default.DetachParams, ProtocolJson.Default.AssignmentResult, async (call, p, ct) => (await assignments.DetachAsync(p.ToRequest(), By(call), ct)).ToResult());
        dispatcher.Add(Methods.DevicesSwap, Privilege.Modify, ProtocolJson.Default.SwapParams, ProtocolJson.Default.AssignmentResult, async (call, p, ct) => (await assignments.SwapAsync(p.ToRequest(), By(call), ct)).ToResult());
        dispatcher.Add(Methods.InstancesDevices, Privilege.Read, ProtocolJson.Default.InstanceParams, ProtocolJson.Default.DeviceRecordArray, (_, p, _) => ValueTask.FromResult<Protocol.Messages.DeviceRecord[]>([.. assignments.OfInstance(p.Instance).Select(r => r.ToRecord())]));
    }

    /// <summary>The caller, for the history: peer credentials and the program's name.</summary>
    public static Actor By(RpcCallContext call) => new(call.Peer.Describe());
}
