using UsbPassd.Libvirt;
using UsbPassd.Faults;
using UsbPassd.Registry;
using static UsbPassd.Assignment.AssignmentCore;

namespace UsbPassd.Assignment;

/// <summary>
/// attach (virHostdevPrepareUSBDevices' two-phase idea): the ledger is claimed first (one
/// transaction; the loser is told the owner), then libvirt acts, then the claim is confirmed, or
/// rolled back to reserved when libvirt refuses (left attaching, for libvirt's XML to settle, when the
/// connection broke under the call).
/// </summary>
internal sealed class AttachOperation(AssignmentCore core, MigrationOperation migration)
{
    public AssignmentOutcome Attach(AttachRequest r, Actor by)
    {
        LibvirtConnection connection = core.Connection();
        DeviceRow row = core.Resolve(r.Device);
        CheckPassable(row);
        string missingPolicy = r.MissingPolicy ?? "optional";
        if (missingPolicy is not ("optional" or "mandatory"))
        {
            throw Invalid("missing_policy must be optional or mandatory");
        }

        using LibvirtDomain domain = FindDomain(connection, Required(r.Instance, "instance"));
        var (flags, refusal) = AttachFlags.For(domain.State, domain.Persistent, r.Mode ?? "auto", domain.Name);
        if (refusal is not null)
        {
            throw new AssignmentRefusedException(RefusalReason.DomainRefuses, refusal);
        }

        // Ports are counted where the device goes: the running guest, or the next boot's definition.
        bool live = (flags & AttachFlags.Live) != 0;
        string xml = connection.Xml(domain, inactive: !live);
        GuestPortPlan plan = GuestPortPlan.For(GuestUsbPorts.Buses(xml), r.Controller, live, GuestUsbPorts.NextControllerIndex(xml), domain.Name);
        if (plan.Refusal is not null)
        {
            throw new AssignmentRefusedException(RefusalReason.DomainRefuses, plan.Refusal);
        }

        by = core.CheckPolicy(row, domain.Uuid, "attach", by);
        using IDisposable busy = core.Moving(row);
        CrashPoint.Here(CrashPoints.AttachClaimBefore);
        Claim claim = core.Claim(row, domain.Uuid, ClaimState.Attaching, null, missingPolicy, (flags & AttachFlags.Config) != 0, r.Token, by, migration: r.Migration);
        CrashPoint.Here(CrashPoints.AttachLibvirtBefore);
        try
        {
            if (plan.AddController is string model)
            {
                connection.Attach(domain, HostdevXml.Controller(model, plan.Address!.Bus), AttachFlags.Config);
            }

            connection.Attach(domain, Hostdev(row, claim.Alias, missingPolicy, plan.Address), flags);
        }
        catch (LibvirtException e) when (Lost(connection))
        {
            // libvirtd went away under the call: it may have attached the device before it did. The claim
            // stays attaching; the reconcile after the reconnect reads the XML and settles it (attached, or
            // reserved again), re-run when this ends if that pass came while the device was in flight.
            core.Counters.CountAttachFailed();
            throw new AssignmentRefusedException(RefusalReason.LibvirtFailed, $"the connection to libvirtd broke while attaching {row.PortId} to {domain.Name} ({e.Message}): " +
                $"whether it was attached is read from {domain.Name}'s XML once libvirtd is back ('usbpassctl show {row.PortId}' then tells)");
        }
        catch (LibvirtException e)
        {
            core.Ledger.SetState(row, domain.Uuid, ClaimState.Reserved, by); // roll back: still reserved to the instance, not attached
            core.Counters.CountAttachFailed();
            throw new AssignmentRefusedException(RefusalReason.LibvirtFailed, $"libvirt refused to attach {row.PortId} to {domain.Name}: {e.Message}");
        }

        CrashPoint.Here(CrashPoints.AttachLibvirtAfter);
        core.Ledger.SetState(row, domain.Uuid, ClaimState.Attached, by);
        CrashPoint.Here(CrashPoints.AttachConfirmAfter);
        core.Counters.CountAttached();
        migration.WriteMetadata(connection, domain); // where a live migration's destination reads the decision
        CrashPoint.Here(CrashPoints.AttachMetadataAfter);
        return core.Outcome(row.Id, core.Confirmed(claim, ClaimState.Attached));
    }
}
