using UsbPassd.Libvirt;
using UsbPassd.Faults;
using UsbPassd.Registry;
using static UsbPassd.Assignment.AssignmentCore;
using static UsbPassd.Assignment.DetachOperation;

namespace UsbPassd.Assignment;

/// <summary>
/// The seed's resize A→B: the instance gives up <c>from</c> and takes <c>to</c>, with the same
/// flags and missing-device policy. The ledger moves both in one transaction first, so B cannot be
/// taken by anyone between A's detach and B's attach; when libvirt refuses B, A is put back, and B goes
/// back to what it was: free, or still the instance's reservation. The
/// caller may stop waiting: the swap goes on to its end (<see cref="DetachOperation.CallerMayLeaveAsync"/>).
/// </summary>
internal sealed class SwapOperation(AssignmentCore core, MigrationOperation migration)
{
    public Task<AssignmentOutcome> SwapAsync(SwapRequest r, Actor by, CancellationToken ct) =>
        CallerMayLeaveAsync(SwapToTheEndAsync(r, by), "swap", r.From?.Word, ct);

    private async Task<AssignmentOutcome> SwapToTheEndAsync(SwapRequest r, Actor by)
    {
        LibvirtConnection connection = core.Connection();
        DeviceRow from = core.Resolve(r.From), to = core.Resolve(r.To);
        if (from.Id == to.Id)
        {
            throw Invalid("from and to are the same device");
        }

        CheckPassable(to);
        using LibvirtDomain domain = FindDomain(connection, Required(r.Instance, "instance"));
        Claim current = AttachedTo(core.Ledger, from, domain);
        if (current.State == ClaimState.Detaching)
        {
            throw UnderWay(from, domain);
        }

        uint flags = DetachFlags(domain, current, r.Mode);
        by = core.CheckPolicy(to, domain.Uuid, "swap", by);
        using IDisposable busy = core.Moving(from, to);
        Claim claim;
        Claim? toBefore;
        CrashPoint.Here(CrashPoints.SwapCommitBefore);
        try
        {
            claim = core.Ledger.Swap(from, current.State, to, domain.Uuid, HostdevXml.Alias(to.DevId!), current.StartupPolicy, current.Persistent, by, out toBefore);
        }
        catch (OwnershipConflictException e)
        {
            throw Owned(e);
        }
        catch (ClaimInUseException e)
        {
            throw InUse(e);
        }

        CrashPoint.Here(CrashPoints.SwapDetachBefore);
        bool? gone;
        try
        {
            gone = await core.Removals.DetachGoneAsync(connection, domain, current.Alias, flags);
        }
        catch (LibvirtException e) when (Lost(connection))
        {
            throw Unknown(from, to, domain, e);
        }
        catch (LibvirtException e) when (from.Present != 0)
        {
            core.Ledger.GiveBack(to, domain.Uuid, toBefore, BaseStatus(to), by);
            core.Ledger.SetState(from, domain.Uuid, ClaimState.Attached, by, expected: ClaimState.Detaching);
            throw new AssignmentRefusedException(RefusalReason.LibvirtFailed, $"libvirt refused to detach {from.PortId} from {domain.Name}: {e.Message}; nothing was swapped");
        }
        catch (LibvirtException)
        {
            gone = true; // an unplugged A has no live hostdev any more: nothing to wait for
        }

        CrashPoint.Here(CrashPoints.SwapDetachAfter);
        if (gone != true && from.Present != 0)
        {
            core.Ledger.GiveBack(to, domain.Uuid, toBefore, BaseStatus(to), by);
            core.Ledger.SetState(from, domain.Uuid, gone == false ? ClaimState.Attached : ClaimState.Detaching, by, expected: ClaimState.Detaching);
            throw NotConfirmed(domain, from, gone, "; nothing was swapped");
        }

        try
        {
            connection.Attach(domain, Hostdev(to, claim.Alias, claim.StartupPolicy), flags);
        }
        catch (LibvirtException e) when (Lost(connection))
        {
            throw Unknown(from, to, domain, e);
        }
        catch (LibvirtException e)
        {
            string back = PutBack(connection, domain, from, current, flags);
            core.Ledger.GiveBack(to, domain.Uuid, toBefore, BaseStatus(to), by);
            throw new AssignmentRefusedException(RefusalReason.LibvirtFailed, $"libvirt refused to attach {to.PortId} to {domain.Name}: {e.Message}; {from.PortId} {back}");
        }

        CrashPoint.Here(CrashPoints.SwapAttachAfter);
        core.Ledger.Release(from, domain.Uuid, BaseStatus(from), by);
        CrashPoint.Here(CrashPoints.SwapReleaseAfter);
        core.Ledger.SetState(to, domain.Uuid, ClaimState.Attached, by);
        CrashPoint.Here(CrashPoints.SwapConfirmAfter);
        core.Counters.CountDetached();
        core.Counters.CountAttached();
        migration.WriteMetadata(connection, domain);
        CrashPoint.Here(CrashPoints.SwapMetadataAfter);
        return core.Outcome(to.Id, core.Confirmed(claim, ClaimState.Attached));
    }

    // The connection broke under a libvirt call: what libvirt did is unknown. Both claims stay as the swap
    // left them (A detaching, B attaching) for the reconcile after the reconnect to settle from the XML:
    // A released or attached again, B attached or reserved to the instance.
    private static AssignmentRefusedException Unknown(DeviceRow from, DeviceRow to, LibvirtDomain domain, LibvirtException e) =>
        new(RefusalReason.LibvirtFailed, $"the connection to libvirtd broke while swapping {from.PortId} for {to.PortId} in {domain.Name} ({e.Message}): " +
            $"both are settled from {domain.Name}'s XML once libvirtd is back ('usbpassctl show {to.PortId}' then tells)");

    private string PutBack(LibvirtConnection connection, LibvirtDomain domain, DeviceRow from, Claim claim, uint flags)
    {
        try
        {
            connection.Attach(domain, Hostdev(from, claim.Alias, claim.StartupPolicy), flags);
            core.Ledger.SetState(from, domain.Uuid, ClaimState.Attached);
            return "was attached again";
        }
        catch (Exception e) when (e is LibvirtException or AssignmentRefusedException)
        {
            core.Ledger.SetState(from, domain.Uuid, ClaimState.Reserved);
            return $"could not be put back ({e.Message}) and stays reserved to {domain.Name}";
        }
    }
}
