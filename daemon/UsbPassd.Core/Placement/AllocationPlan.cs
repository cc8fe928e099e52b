using UsbPassd.Registry;

namespace UsbPassd.Placement;

/// <summary>One thing the ledger must do so that it follows Placement's allocations.</summary>
public abstract record AllocationStep(string DevId, string Consumer);

/// <summary>Placement gave the device to <see cref="AllocationStep.Consumer"/>: reserve it here for that instance.</summary>
public sealed record ReserveForAllocation(string DevId, string Consumer) : AllocationStep(DevId, Consumer);

/// <summary>The allocation that made this claim is gone: detach (when in a domain) and release.</summary>
public sealed record ReleaseAllocation(string DevId, string Consumer, ClaimState State) : AllocationStep(DevId, Consumer);

/// <summary>Placement gave the device to <see cref="AllocationStep.Consumer"/>, but here <see cref="Owner"/> holds it: local truth wins.</summary>
public sealed record AllocationConflict(string DevId, string Consumer, string Owner, ClaimState OwnerState) : AllocationStep(DevId, Consumer);

/// <summary>
/// The device's claim holder is live-migrating away: its migration consumer holds the allocation now
/// (<see cref="PlacementNames.MigrationConsumer"/>), the domain still runs here: the claim stays.
/// </summary>
public sealed record MigratingAway(string DevId, string Consumer) : AllocationStep(DevId, Consumer);

/// <summary>
/// The allocation of a device last seen <see cref="MigratingAway"/> is gone (the migration finished):
/// the domain holding it is leaving or has left, and the migration's end releases the claim, not Placement.
/// </summary>
public sealed record LeftToMigration(string DevId, string Consumer, ClaimState State) : AllocationStep(DevId, Consumer);

/// <summary>
/// Compares what Placement says holds each device (<see cref="Holding"/>) with the ownership ledger and
/// says what to do; pure, so every case is a unit test. The ledger is the truth of what is attached
/// where: an allocation never takes a device from an instance that holds it here (that is a conflict,
/// and the sync makes the device unavailable in Placement); a claim ends with its allocation only when
/// it was made for one (<see cref="ClaimOrigin.Placement"/>). During a live migration the holder's
/// migration consumer counts as the holder; once it is gone, a claim in a domain is left to the
/// migration (<see cref="LeftToMigration"/>), one only reserved is released as any other.
/// </summary>
public static class AllocationPlan
{
    /// <param name="migrating">dev_id → instance, for devices last seen <see cref="MigratingAway"/> (the caller remembers them).</param>
    public static IReadOnlyList<AllocationStep> For(IEnumerable<Holding> holdings, IReadOnlyList<Claim> claims, IReadOnlyDictionary<string, string>? migrating = null)
    {
        Dictionary<string, Claim> byDevice = claims.ToDictionary(c => c.DevId, StringComparer.Ordinal);
        List<AllocationStep> steps = [];
        foreach (Holding h in holdings.OrderBy(h => h.DevId, StringComparer.Ordinal))
        {
            byDevice.TryGetValue(h.DevId, out Claim? claim);
            bool claimStays = claim is not null && (claim.Origin == ClaimOrigin.Local || claim.State == ClaimState.External || Holds(h, claim.InstanceUuid));
            if (claim is not null && !claimStays)
            {
                steps.Add(claim.State != ClaimState.Reserved && migrating?.GetValueOrDefault(h.DevId) is string away && SameUuid(away, claim.InstanceUuid)
                    ? new LeftToMigration(h.DevId, claim.InstanceUuid, claim.State)
                    : new ReleaseAllocation(h.DevId, claim.InstanceUuid, claim.State));
            }
            else if (claim is not null && h.Consumers.Any(c => IsMigrationOf(c, claim.InstanceUuid)))
            {
                steps.Add(new MigratingAway(h.DevId, claim.InstanceUuid));
            }

            string? owner = claimStays ? claim!.InstanceUuid : null;
            foreach (string consumer in h.Consumers)
            {
                if (owner is null)
                {
                    steps.Add(new ReserveForAllocation(h.DevId, consumer));
                    owner = consumer;
                }
                else if (!SameUuid(owner, consumer) && !IsMigrationOf(consumer, owner))
                {
                    // Two allocations on a total of 1 happen only when an operator forced them; the first stays.
                    steps.Add(new AllocationConflict(h.DevId, consumer, owner, claimStays ? claim!.State : ClaimState.Reserved));
                }
            }
        }

        return steps;
    }

    private static bool Holds(Holding h, string instance) => h.Consumers.Any(c => SameUuid(c, instance) || IsMigrationOf(c, instance));

    private static bool IsMigrationOf(string consumer, string instance) =>
        Guid.TryParse(consumer, out Guid c) && Guid.TryParse(instance, out Guid i) && c == PlacementNames.MigrationConsumer(i);

    private static bool SameUuid(string a, string b) =>
        Guid.TryParse(a, out Guid x) && Guid.TryParse(b, out Guid y) ? x == y : string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
