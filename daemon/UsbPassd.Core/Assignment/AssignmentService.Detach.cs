using System.Collections.Concurrent;
using UsbPassd.Libvirt;
using UsbPassd.Protocol;
using UsbPassd.Protocol.JsonRpc;
using UsbPassd.Protocol.Messages;
using UsbPassd.Registry;

namespace UsbPassd.Assignment;

public sealed partial class AssignmentService
{
    private static readonly TimeSpan DetachConfirmation = TimeSpan.FromSeconds(15);
    private readonly ConcurrentDictionary<(string Uuid, string Alias), TaskCompletionSource> _removals = new();

    /// <summary>Called from the libvirt event loop: completes a pending live detach.</summary>
    /// <returns>False when no detach of ours waited for it (someone used virsh): reconcile.</returns>
    public bool OnDeviceRemoved(string domainUuid, string alias)
    {
        if (_removals.TryRemove((domainUuid, alias), out TaskCompletionSource? done))
        {
            done.TrySetResult();
            return true;
        }

        return false;
    }

    /// <summary>Detaches by alias; the caller may stop waiting, the claim is settled all the same (<see cref="CallerMayLeaveAsync"/>).</summary>
    public Task<AssignmentResult> DetachAsync(DetachParams p, Actor by, CancellationToken ct) =>
        CallerMayLeaveAsync(DetachToTheEndAsync(p, by), "detach", p.Device, ct);

    private async Task<AssignmentResult> DetachToTheEndAsync(DetachParams p, Actor by)
    {
        LibvirtConnection connection = Connection();
        DeviceRow row = Resolve(p.Device);
        using LibvirtDomain domain = FindDomain(connection, Required(p.Instance, "instance"));
        Registry.Assignment current = AttachedTo(row, domain);
        uint flags = DetachFlags(domain, current, p.Mode);
        using InFlight busy = Moving(row);
        ledger.SetState(row, domain.Uuid, "detaching", by);
        bool? gone;
        try
        {
            gone = await DetachGoneAsync(connection, domain, current.Alias, flags);
        }
        catch (LibvirtException e)
        {
            ledger.SetState(row, domain.Uuid, "attached", by);
            Counters.CountDetachFailed();
            throw new RpcException(ErrorCodes.LibvirtFailed, $"libvirt refused to detach {row.PortId} from {domain.Name}: {e.Message}");
        }

        if (gone != true)
        {
            if (gone == false)
            {
                ledger.SetState(row, domain.Uuid, "attached", by);
            }

            throw NotConfirmed(domain, row, gone);
        }

        ledger.Release(row, domain.Uuid, BaseStatus(row), by);
        Counters.CountDetached();
        return Result(row.Id, null);
    }

    /// <summary>
    /// The seed's resize A→B: the instance gives up <c>from</c> and takes <c>to</c>, with the same
    /// flags and missing-device policy. The ledger moves both in one transaction first, so B cannot be
    /// taken by anyone between A's detach and B's attach; when libvirt refuses B, A is put back. The
    /// caller may stop waiting: the swap goes on to its end (<see cref="CallerMayLeaveAsync"/>).
    /// </summary>
    public Task<AssignmentResult> SwapAsync(SwapParams p, Actor by, CancellationToken ct) =>
        CallerMayLeaveAsync(SwapToTheEndAsync(p, by), "swap", p.From, ct);

    private async Task<AssignmentResult> SwapToTheEndAsync(SwapParams p, Actor by)
    {
        LibvirtConnection connection = Connection();
        DeviceRow from = Resolve(p.From), to = Resolve(p.To);
        if (from.Id == to.Id)
        {
            throw Invalid("from and to are the same device");
        }

        CheckPassable(to);
        using LibvirtDomain domain = FindDomain(connection, Required(p.Instance, "instance"));
        Registry.Assignment current = AttachedTo(from, domain);
        uint flags = DetachFlags(domain, current, p.Mode);
        by = CheckPolicy(to, domain.Uuid, "swap", by);
        using InFlight busy = Moving(from, to);
        Registry.Assignment claim;
        try
        {
            claim = ledger.Swap(from, to, domain.Uuid, HostdevXml.Alias(to.DevId!), current.StartupPolicy, current.Persistent != 0, by);
        }
        catch (OwnershipConflictException e)
        {
            throw Owned(e);
        }

        bool? gone;
        try
        {
            gone = await DetachGoneAsync(connection, domain, current.Alias, flags);
        }
        catch (LibvirtException e) when (from.Present != 0)
        {
            ledger.Release(to, domain.Uuid, BaseStatus(to), by);
            ledger.SetState(from, domain.Uuid, "attached", by);
            throw new RpcException(ErrorCodes.LibvirtFailed, $"libvirt refused to detach {from.PortId} from {domain.Name}: {e.Message}; nothing was swapped");
        }
        catch (LibvirtException)
        {
            gone = true; // an unplugged A has no live hostdev any more: nothing to wait for
        }

        if (gone != true && from.Present != 0)
        {
            ledger.Release(to, domain.Uuid, BaseStatus(to), by);
            ledger.SetState(from, domain.Uuid, gone == false ? "attached" : "detaching", by);
            throw NotConfirmed(domain, from, gone, "; nothing was swapped");
        }

        try
        {
            connection.Attach(domain, Hostdev(to, claim.Alias, claim.StartupPolicy), flags);
        }
        catch (LibvirtException e)
        {
            string back = PutBack(connection, domain, from, current, flags);
            ledger.Release(to, domain.Uuid, BaseStatus(to), by);
            throw new RpcException(ErrorCodes.LibvirtFailed, $"libvirt refused to attach {to.PortId} to {domain.Name}: {e.Message}; {from.PortId} {back}");
        }

        ledger.Release(from, domain.Uuid, BaseStatus(from), by);
        ledger.SetState(to, domain.Uuid, "attached", by);
        Counters.CountDetached();
        Counters.CountAttached();
        return Result(to.Id, ledger.Get(to.DevId!) ?? claim);
    }

    private string PutBack(LibvirtConnection connection, LibvirtDomain domain, DeviceRow from, Registry.Assignment claim, uint flags)
    {
        try
        {
            connection.Attach(domain, Hostdev(from, claim.Alias, claim.StartupPolicy), flags);
            ledger.SetState(from, domain.Uuid, "attached");
            return "was attached again";
        }
        catch (Exception e) when (e is LibvirtException or RpcException)
        {
            ledger.SetState(from, domain.Uuid, "reserved");
            return $"could not be put back ({e.Message}) and stays reserved to {domain.Name}";
        }
    }

    private Registry.Assignment AttachedTo(DeviceRow row, LibvirtDomain domain) =>
        ledger.Get(row.DevId!) is { } a && a.InstanceUuid == domain.Uuid && a.State is "attached" or "attaching" or "detaching"
            ? a
            : throw new RpcException(ErrorCodes.NotPossible, $"device {row.PortId} is not attached to {domain.Name}");

    private static uint DetachFlags(LibvirtDomain domain, Registry.Assignment claim, string? mode) => mode switch
    {
        "live" => AttachFlags.Live,
        "config" => AttachFlags.Config,
        _ => (IsActive(domain) ? AttachFlags.Live : 0) | (claim.Persistent != 0 && domain.Persistent ? AttachFlags.Config : 0),
    };

    /// <summary>
    /// Waits for an operation on libvirt as long as its caller does. A caller that cancels
    /// ($/cancelRequest) or disconnects only stops waiting: once libvirt has been asked, stopping
    /// there would leave the claim 'detaching' until the next reconcile, so the operation runs to its
    /// end (bounded by <see cref="DetachConfirmation"/>) and settles the ledger itself.
    /// </summary>
    private static async Task<AssignmentResult> CallerMayLeaveAsync(Task<AssignmentResult> operation, string what, string? device, CancellationToken ct)
    {
        try
        {
            return await operation.WaitAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Its outcome is in the ledger and the history: an error nobody waits for is no news.
            _ = operation.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw new RpcException(ErrorCodes.RequestCancelled, $"stopped waiting; the {what} goes on and settles by itself (usbpassctl show {device} tells how it ended)");
        }
    }

    /// <summary>
    /// Asks libvirt to detach, then waits for its confirmation (<see cref="DetachConfirmedAsync"/>).
    /// Without one in time, libvirt's XML says whether our hostdev is still there.
    /// </summary>
    /// <returns>True when it is gone, false when libvirt still lists it, null when libvirt cannot be asked (the reconcile after the reconnect settles it).</returns>
    /// <exception cref="LibvirtException">libvirt refused the detach: nothing changed.</exception>
    private async Task<bool?> DetachGoneAsync(LibvirtConnection connection, LibvirtDomain domain, string alias, uint flags)
    {
        try
        {
            await DetachConfirmedAsync(connection, domain, alias, flags);
            return true;
        }
        catch (TimeoutException)
        {
            // Not confirmed in time: libvirt's XML decides. (Should the event come later, it
            // queues a reconcile: no detach of ours waits for it any more.)
        }

        try
        {
            return !DomainXml.UsbHostdevs(connection.Xml(domain)).Any(h => h.Alias == alias);
        }
        catch (LibvirtException e) when (e.Code == LibvirtException.NoDomain)
        {
            return true; // the domain is gone, its hostdevs with it
        }
        catch (LibvirtException)
        {
            return null;
        }
    }

    /// <summary>Detaches by alias; a live detach is done only when libvirt's device-removed event says so, within <see cref="DetachConfirmation"/>.</summary>
    private async Task DetachConfirmedAsync(LibvirtConnection connection, LibvirtDomain domain, string alias, uint flags)
    {
        TaskCompletionSource? removed = (flags & AttachFlags.Live) != 0
            ? _removals.GetOrAdd((domain.Uuid, alias), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))
            : null;
        try
        {
            connection.DetachAlias(domain, alias, flags);
            if (removed is not null)
            {
                await removed.Task.WaitAsync(DetachConfirmation);
            }
        }
        finally
        {
            _removals.TryRemove((domain.Uuid, alias), out _);
        }
    }

    private static RpcException NotConfirmed(LibvirtDomain domain, DeviceRow row, bool? gone, string then = "") =>
        new(ErrorCodes.LibvirtFailed, $"{domain.Name} did not confirm removing {row.PortId} within {DetachConfirmation.TotalSeconds:0} s" + (gone == false
            ? " and still lists it: it stays attached (detach again, or look at what holds it in the guest)"
            : " and libvirt cannot be asked now: it stays 'detaching' until usbpassd reconciles with libvirt") + then);
}
