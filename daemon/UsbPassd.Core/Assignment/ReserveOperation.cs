using UsbPassd.Faults;
using UsbPassd.Registry;
using static UsbPassd.Assignment.AssignmentCore;

namespace UsbPassd.Assignment;

/// <summary>reserve and release: the ledger alone (the scheduler holds a device for an instance before it is defined); libvirt is not asked.</summary>
internal sealed class ReserveOperation(AssignmentCore core)
{
    public AssignmentOutcome Reserve(ReserveRequest r, Actor by)
    {
        DeviceRow row = core.Resolve(r.Device);
        string instance = Required(r.InstanceUuid, "instance_uuid");
        CheckPassable(row);
        TimeSpan? ttl = r.TtlSeconds is int s ? (s > 0 ? TimeSpan.FromSeconds(s) : throw Invalid("ttl_seconds must be positive")) : null;
        by = core.CheckPolicy(row, instance, "reserve", by);
        CrashPoint.Here(CrashPoints.ReserveClaimBefore);
        Claim claim = core.Claim(row, instance, ClaimState.Reserved, ttl, "optional", persistent: true, token: null, by, r.Origin);
        CrashPoint.Here(CrashPoints.ReserveClaimAfter);
        return core.Outcome(row.Id, claim);
    }

    public AssignmentOutcome Release(ReleaseRequest r, Actor by)
    {
        DeviceRow row = core.Resolve(r.Device);
        string instance = Required(r.InstanceUuid, "instance_uuid");
        Claim? current = core.Ledger.Get(row.DevId!);
        if (current is null || current.InstanceUuid != instance)
        {
            throw new AssignmentRefusedException(RefusalReason.NotHeld, $"device {row.PortId} is not reserved by {instance}");
        }

        if (current.State != ClaimState.Reserved)
        {
            throw new AssignmentRefusedException(RefusalReason.NotHeld, $"device {row.PortId} is {current.State.Name()} to {instance}: detach it first (usbpassctl detach {row.PortId} {instance})");
        }

        // Compare-and-set: an attach by the same instance may have taken the reservation to attaching
        // since it was read; releasing that claim would free a device libvirt is being given.
        CrashPoint.Here(CrashPoints.ReleaseCommitBefore);
        if (!core.Ledger.Release(row, instance, BaseStatus(row), by, expected: ClaimState.Reserved))
        {
            throw new AssignmentRefusedException(RefusalReason.NotHeld, $"device {row.PortId} is no longer reserved by {instance} (an attach or another release came first)");
        }

        CrashPoint.Here(CrashPoints.ReleaseCommitAfter);
        return core.Outcome(row.Id, null);
    }
}
