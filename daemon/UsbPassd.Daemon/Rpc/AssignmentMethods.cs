using UsbPassd.Assignment;
using UsbPassd.Protocol;
using UsbPassd.Rpc;

namespace UsbPassd.Daemon.Rpc;

/// <summary>The ownership methods: reserve, release, attach, detach, swap change ownership (modify privilege); instances.devices reads.</summary>
public sealed class AssignmentMethods(AssignmentService assignments)
{
    public void Register(RpcDispatcher dispatcher)
    {
        dispatcher.Add(Methods.DevicesReserve, Privilege.Modify, ProtocolJson.Default.ReserveParams, ProtocolJson.Default.AssignmentResult, (_, p, _) => ValueTask.FromResult(assignments.Reserve(p)));
        dispatcher.Add(Methods.DevicesRelease, Privilege.Modify, ProtocolJson.Default.ReleaseParams, ProtocolJson.Default.AssignmentResult, (_, p, _) => ValueTask.FromResult(assignments.Release(p)));
        dispatcher.Add(Methods.DevicesAttach, Privilege.Modify, ProtocolJson.Default.AttachParams, ProtocolJson.Default.AssignmentResult, (_, p, _) => ValueTask.FromResult(assignments.Attach(p)));
        dispatcher.Add(Methods.DevicesDetach, Privilege.Modify, ProtocolJson.Default.DetachParams, ProtocolJson.Default.AssignmentResult, async (_, p, ct) => await assignments.DetachAsync(p, ct));
        dispatcher.Add(Methods.DevicesSwap, Privilege.Modify, ProtocolJson.Default.SwapParams, ProtocolJson.Default.AssignmentResult, async (_, p, ct) => await assignments.SwapAsync(p, ct));
        dispatcher.Add(Methods.InstancesDevices, Privilege.Read, ProtocolJson.Default.InstanceParams, ProtocolJson.Default.DeviceRecordArray, (_, p, _) => ValueTask.FromResult(assignments.OfInstance(p)));
    }
}
