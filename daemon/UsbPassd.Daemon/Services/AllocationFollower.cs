using Microsoft.Extensions.Logging;
using UsbPassd.Assignment;
using UsbPassd.Faults;
using UsbPassd.Placement;
using UsbPassd.Registry;

namespace UsbPassd.Daemon.Services;

/// <summary>
/// Makes the ledger follow Placement's allocations (<see cref="AllocationPlan"/>), for the Placement
/// service's loop (one caller at a time): an allocation reserves its device for the consumer, the
/// consumer's domain gets it live when it runs, and the device is detached and released when the
/// allocation goes. A step that is refused (the device unplugged, the policy) is tried again when the
/// device changes, not at every pass; each conflict and refusal is logged once. A device whose
/// allocation a live migration gave to the holder's migration consumer stays with its running domain;
/// that is remembered here (in memory: after a restart, a migration that ended meanwhile is followed as
/// any allocation that went), so that the migration's end, not the allocation's, ends the claim.
/// </summary>
public sealed partial class AllocationFollower(AssignmentService assignments, AssignmentRepository ledger, ILogger<AllocationFollower> log)
{
    /// <summary>The history's actor for what an allocation caused.</summary>
    public static readonly Actor Placement = new("placement allocation");

    private readonly Dictionary<string, string> _refused = new(StringComparer.Ordinal); // dev_id → the message logged
    private readonly HashSet<AllocationConflict> _conflicts = [];
    private readonly Dictionary<string, string> _migrating = new(StringComparer.Ordinal); // dev_id → the instance migrating away with it
    private readonly HashSet<string> _left = new(StringComparer.Ordinal); // dev_ids whose migration finished, claim left to the migration

    /// <summary>Conflicts standing after the last pass (the ledger kept; Placement shows the device unavailable).</summary>
    public IReadOnlyCollection<AllocationConflict> Conflicts => _conflicts;

    /// <summary>A device changed (plugged, released...): a step refused for it may now go.</summary>
    public void Changed(string devId) => _refused.Remove(devId);

    /// <summary>One pass over every holding. Returns the instances that were given a reservation (their domains may run).</summary>
    public async Task<IReadOnlyList<string>> FollowAsync(IEnumerable<Holding> holdings, CancellationToken ct)
    {
        List<string> reserved = [];
        HashSet<AllocationConflict> standing = [];
        HashSet<string> migrating = new(StringComparer.Ordinal);
        foreach (AllocationStep step in AllocationPlan.For(holdings, ledger.All(), _migrating))
        {
            if (step is MigratingAway or LeftToMigration)
            {
                migrating.Add(step.DevId);
                Migrating(step);
                continue;
            }

            if (step is AllocationConflict conflict)
            {
                standing.Add(conflict);
                if (!_conflicts.Contains(conflict))
                {
                    LogConflict(conflict.DevId, conflict.Consumer, conflict.Owner, conflict.OwnerState.Name());
                }

                continue;
            }

            if (_refused.ContainsKey(step.DevId))
            {
                continue;
            }

            try
            {
                switch (step)
                {
                    case ReserveForAllocation r:
                        CrashPoint.Here(CrashPoints.PlacementClaimBefore);
                        assignments.Reserve(new ReserveRequest(Key(r.DevId), r.Consumer, Origin: ClaimOrigin.Placement), Placement);
                        CrashPoint.Here(CrashPoints.PlacementClaimAfter);
                        LogReserved(r.DevId, r.Consumer);
                        reserved.Add(r.Consumer);
                        break;
                    case ReleaseAllocation { State: ClaimState.Reserved } r:
                        CrashPoint.Here(CrashPoints.PlacementReleaseBefore);
                        assignments.Release(new ReleaseRequest(Key(r.DevId), r.Consumer), Placement);
                        CrashPoint.Here(CrashPoints.PlacementReleaseAfter);
                        LogReleased(r.DevId, r.Consumer, "released");
                        break;
                    case ReleaseAllocation r:
                        await assignments.DetachAsync(new DetachRequest(Key(r.DevId), r.Consumer), Placement, ct).ConfigureAwait(false);
                        LogReleased(r.DevId, r.Consumer, "detached and released");
                        break;
                }
            }
            catch (Exception e) when (e is AssignmentRefusedException or RegistryException or Microsoft.Data.Sqlite.SqliteException)
            {
                // The registry busy or full is no reason to stop following: said once, tried when the device changes.
                _refused[step.DevId] = e.Message;
                LogStepRefused(step.DevId, step.Consumer, e.Message);
            }
        }

        _conflicts.Clear();
        _conflicts.UnionWith(standing);
        foreach (string done in _migrating.Keys.Where(d => !migrating.Contains(d)).ToArray())
        {
            _migrating.Remove(done); // reverted, or the claim ended
            _left.Remove(done);
        }

        return reserved;
    }

    // Said once each: the device going with a migration, then its claim left to the migration's end.
    private void Migrating(AllocationStep step)
    {
        if (step is MigratingAway && _migrating.TryAdd(step.DevId, step.Consumer))
        {
            LogMigrating(step.DevId, step.Consumer);
        }
        else if (step is LeftToMigration left && _left.Add(step.DevId))
        {
            string state = left.State.Name();
            LogLeftToMigration(step.DevId, step.Consumer, state);
        }
    }

    /// <summary>Attaches, live, what waits for each instance's running domain; quiet for a domain that does not run yet.</summary>
    public void AttachWaiting(IEnumerable<string> instances)
    {
        foreach (string instance in instances.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            try
            {
                foreach (AssignmentOutcome o in assignments.AttachAllocated(instance, Placement))
                {
                    LogAttached(o.Claim?.DevId ?? "?", instance);
                }
            }
            catch (Exception e) when (e is AssignmentRefusedException or RegistryException or Microsoft.Data.Sqlite.SqliteException)
            {
                LogAttachRefused(instance, e.Message);
            }
        }
    }

    private static DeviceKey Key(string devId) => new(devId, DevId: devId);

    [LoggerMessage(Level = LogLevel.Information, Message = "placement: device {DevId} reserved for instance {Consumer}: Placement allocated it")]
    private partial void LogReserved(string devId, string consumer);

    [LoggerMessage(Level = LogLevel.Information, Message = "placement: device {DevId} {What} from instance {Consumer}: its allocation is gone")]
    private partial void LogReleased(string devId, string consumer, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "placement: device {DevId} attached to running instance {Consumer}, as allocated")]
    private partial void LogAttached(string devId, string consumer);

    [LoggerMessage(Level = LogLevel.Information, Message = "placement: device {DevId} stays with instance {Consumer}: it is live-migrating, its migration consumer holds the allocation until the migration ends")]
    private partial void LogMigrating(string devId, string consumer);

    [LoggerMessage(Level = LogLevel.Information, Message = "placement: the migration of instance {Consumer} finished in Placement; device {DevId} ({State}) is released here when the domain has left")]
    private partial void LogLeftToMigration(string devId, string consumer, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "placement: conflict: device {DevId} is allocated to {Consumer} in Placement but {State} to instance {Owner} here; the ledger is kept and the device is made unavailable in Placement. Delete the allocation of {Consumer}, or detach the device from {Owner}")]
    private partial void LogConflict(string devId, string consumer, string owner, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "placement: allocation of device {DevId} to {Consumer} not followed yet: {Why}; tried again when the device changes")]
    private partial void LogStepRefused(string devId, string consumer, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "placement: could not attach what is allocated to instance {Consumer}: {Why}")]
    private partial void LogAttachRefused(string consumer, string why);
}
