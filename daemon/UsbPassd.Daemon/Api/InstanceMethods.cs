using System.Runtime.CompilerServices;
using UsbPassd.Daemon.Services;
using UsbPassd.Libvirt;
using UsbPassd.Protocol;
using UsbPassd.Protocol.JsonRpc;
using UsbPassd.Protocol.Messages;
using UsbPassd.Rpc;

namespace UsbPassd.Daemon.Api;

/// <summary>
/// <c>instances.list</c> (read): the host's libvirt domains, running or not, with the devices each
/// holds: what a VM picker (the Cockpit page, <c>usbpassctl vms</c>) offers to attach to.
/// </summary>
public sealed class InstanceMethods(LibvirtService libvirt, DeviceView view) : IRpcMethods
{
    [ModuleInitializer]
    internal static void Enlist() => RpcMethodCatalog.Enlist<InstanceMethods>();

    public void Register(RpcDispatcher dispatcher) =>
        dispatcher.Add(Methods.InstancesList, Privilege.Read, ProtocolJson.Default.NoParams, ProtocolJson.Default.InstanceInfoArray, (_, _, _) => ValueTask.FromResult(List()));

    private InstanceInfo[] List()
    {
        LibvirtConnection connection = libvirt.Current()
            ?? throw new RpcException(ErrorCodes.NotPossible, $"libvirt is {libvirt.State}: usbpassd cannot list the domains");
        List<InstanceInfo> list = [];
        IReadOnlyList<LibvirtDomain> domains;
        try
        {
            domains = connection.ListDomains();
        }
        catch (Exception e) when (e is LibvirtException or ObjectDisposedException)
        {
            // libvirtd restarting under the call, or a domain undefined while it was described: no internal error for either.
            throw new RpcException(ErrorCodes.LibvirtFailed, $"libvirt could not list the domains now ({e.Message}): ask again in a moment ('usbpassctl host' shows the connection)");
        }

        foreach (LibvirtDomain domain in domains)
        {
            using (domain)
            {
                list.Add(new InstanceInfo
                {
                    Name = domain.Name,
                    Uuid = domain.Uuid,
                    State = StateWord(domain.State),
                    Persistent = domain.Persistent,
                    Devices = [.. view.List(new DevicesListParams { InstanceUuid = domain.Uuid }).Select(e => e.Record)],
                });
            }
        }

        return [.. list.OrderBy(i => i.Name, StringComparer.Ordinal)];
    }

    /// <summary>virsh domstate's words, so the page and the terminal say the same.</summary>
    public static string StateWord(DomainState state) => state switch
    {
        DomainState.Running => "running",
        DomainState.Blocked => "idle",
        DomainState.Paused => "paused",
        DomainState.ShuttingDown => "in shutdown",
        DomainState.ShutOff => "shut off",
        DomainState.Crashed => "crashed",
        DomainState.PmSuspended => "pmsuspended",
        _ => "no state",
    };
}
