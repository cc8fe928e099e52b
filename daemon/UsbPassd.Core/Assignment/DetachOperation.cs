using UsbPassd.Libvirt;
using UsbPassd.Faults;
using UsbPassd.Registry;
using static UsbPassd.Assignment.AssignmentCore;

namespace UsbPassd.Assignment;

/// <summary>
/// detach by alias: the claim goes to detaching, libvirt is asked, and a live detach is done only
/// when libvirt's device-removed event for our alias arrives (<see cref="Removals"/>). The caller
/// may stop waiting; the claim is settled all the same (<see cref="CallerMayLeaveAsync"/>).
/// </summary>
internal sealed class DetachOperation(AssignmentCore core, MigrationOperation migration)
{
    public Task<AssignmentOutcome> DetachAsync(DetachRequest r, Actor by, CancellationToken ct) =>
        CallerMayLeaveAsync(DetachToTheEndAsync(r, by), "detach", r.Device?.Word, ct);

    private async Task<AssignmentOutcome> DetachToTheEndAsync(DetachRequest r, Actor by)
    {
        LibvirtConnection connection = core.Connection();
        DeviceRow row = core.Resolve(r.Device);
        using LibvirtDomain domain = FindDomain(connection, Required(r.Instance, "instance"));
        Claim current = AttachedTo(core.Ledger, row, domain);
        uint flags = DetachFlags(domain, current, r.Mode);
        using IDisposable busy = core.Moving(row);
        CrashPoint.Here(CrashPoints.DetachCommitBefore);
        // Compare-and-set: of two detaches (or a detach and a swap) of one device by one instance, the
        // second is refused here instead of running on and putting back a claim the first released.
        if (current.State == ClaimState.Detaching || !core.Ledger.SetState(row, domain.Uuid, ClaimState.Detaching, by, expected: current.State))
        {
            throw UnderWay(row, domain);
        }

        CrashPoint.Here(CrashPoints.DetachLibvirtBefore);
        bool? gone;
        try
        {
            gone = await core.Removals.DetachGoneAsync(connection, domain, current.Alias, flags);
        }
        catch (LibvirtException e) when (Lost(connection))
        {
            // libvirt may have detached it before the connection broke: the claim stays detaching, and the
            // reconcile after the reconnect settles it from the XML (released, or attached again).
            core.Counters.CountDetachFailed();
            throw new AssignmentRefusedException(RefusalReason.LibvirtFailed, $"the connection to libvirtd broke while detaching {row.PortId} from {domain.Name} ({e.Message}): " +
                $"it stays 'detaching' until usbpassd reads {domain.Name}'s XML when libvirtd is back ('usbpassctl show {row.PortId}' then tells)");
        }
        catch (LibvirtException e)
        {
            core.Ledger.SetState(row, domain.Uuid, ClaimState.Attached, by, expected: ClaimState.Detaching);
            core.Counters.CountDetachFailed();
            throw new AssignmentRefusedException(RefusalReason.LibvirtFailed, $"libvirt refused to detach {row.PortId} from {domain.Name}: {e.Message}");
        }

        CrashPoint.Here(CrashPoints.DetachLibvirtAfter);
        if (gone != true)
        {
            if (gone == false)
            {
                core.Ledger.SetState(row, domain.Uuid, ClaimState.Attached, by, expected: ClaimState.Detaching);
            }

            throw NotConfirmed(domain, row, gone);
        }

        core.Ledger.Release(row, domain.Uuid, BaseStatus(row), by);
        CrashPoint.Here(CrashPoints.DetachReleaseAfter);
        core.Counters.CountDetached();
        migration.WriteMetadata(connection, domain); // the device's entry goes with it (none left: our element goes)
        CrashPoint.Here(CrashPoints.DetachMetadataAfter);
        return core.Outcome(row.Id, null);
    }

    /// <summary>Another detach or swap of the device by the same instance came first and is not over.</summary>
    public static AssignmentRefusedException UnderWay(DeviceRow row, LibvirtDomain domain) =>
        new(RefusalReason.NotHeld, $"device {row.PortId} is already being detached from {domain.Name} (another detach or swap came first); 'usbpassctl show {row.PortId}' says when it is done");

    /// <summary>The claim by which <paramref name="domain"/> holds the device; refused when it does not.</summary>
    public static Claim AttachedTo(AssignmentRepository ledger, DeviceRow row, LibvirtDomain domain) =>
        ledger.Get(row.DevId!) is { } a && a.InstanceUuid == domain.Uuid && a.State is ClaimState.Attached or ClaimState.Attaching or ClaimState.Detaching
            ? a
            : throw new AssignmentRefusedException(RefusalReason.NotHeld, $"device {row.PortId} is not attached to {domain.Name}");

    public static uint DetachFlags(LibvirtDomain domain, Claim claim, string? mode) => mode switch
    {
        "live" => AttachFlags.Live,
        "config" => AttachFlags.Config,
        _ => (IsActive(domain) ? AttachFlags.Live : 0) | (claim.Persistent && domain.Persistent ? AttachFlags.Config : 0),
    };

    /// <summary>
    /// Waits for an operation on libvirt as long as its caller does. A caller that cancels
    /// ($/cancelRequest) or disconnects only stops waiting: once libvirt has been asked, stopping
    /// there would leave the claim 'detaching' until the next reconcile, so the operation runs to its
    /// end (bounded by <see cref="Removals.Confirmation"/>) and settles the ledger itself.
    /// </summary>
    public static async Task<AssignmentOutcome> CallerMayLeaveAsync(Task<AssignmentOutcome> operation, string what, string? device, CancellationToken ct)
    {
        try
        {
            return await operation.WaitAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Its outcome is in the ledger and the history: an error nobody waits for is no news.
            _ = operation.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw new AssignmentRefusedException(RefusalReason.StoppedWaiting, $"stopped waiting; the {what} goes on and settles by itself (usbpassctl show {device} tells how it ended)");
        }
    }

    public static AssignmentRefusedException NotConfirmed(LibvirtDomain domain, DeviceRow row, bool? gone, string then = "") =>
        new(RefusalReason.LibvirtFailed, $"{domain.Name} did not confirm removing {row.PortId} within {Removals.Confirmation.TotalSeconds:0} s" + (gone == false
            ? " and still lists it: it stays attached (detach again, or look at what holds it in the guest)"
            : " and libvirt cannot be asked now: it stays 'detaching' until usbpassd reconciles with libvirt") + then);
}
