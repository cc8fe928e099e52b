using System.Net.Http.Json;
using UsbPassd.Placement.Wire;

namespace UsbPassd.Placement;

/// <summary>
/// A live migration's USB allocation, moved as Nova moves an instance's (docs/placement.md, "Live
/// migration"): one <c>POST /allocations</c> for the instance and its migration consumer together, at
/// the consumer generations just read; a generation that moved in between is read again and the
/// move retried. Every call can be repeated: what is already done is not done twice.
/// </summary>
public sealed partial class PlacementClient
{
    private const int MoveAttempts = 5;

    /// <summary>
    /// Moves <paramref name="instance"/>'s <paramref name="resourceClass"/> to <paramref name="destination"/>,
    /// the source's taken over by <see cref="PlacementNames.MigrationConsumer"/>. Null when the instance
    /// holds none of the class elsewhere (nothing to move: not scheduled by Placement, or moved already).
    /// A refusal is a <see cref="PlacementException"/> that says what to look at. <paramref name="here"/>:
    /// the destination host's providers, never taken for the source (<see cref="AllocationMove.Find"/>).
    /// </summary>
    public Task<AllocationMove?> MoveAsync(Guid instance, Guid destination, string resourceClass, CancellationToken ct, IReadOnlyCollection<Guid>? here = null) =>
        RetriedAsync(instance, async (held, migration) =>
        {
            if (AllocationMove.Find(instance, held, destination, resourceClass, here) is not AllocationMove move)
            {
                return null;
            }

            try
            {
                await PostAllocationsAsync(move.Forward(held, migration), ct).ConfigureAwait(false);
            }
            catch (PlacementException e) when (e.Failure is PlacementFailure.Conflict or PlacementFailure.Refused or PlacementFailure.NotFound)
            {
                throw new PlacementException(e.Failure, $"Placement refused to move the {resourceClass} allocation of instance {instance} from provider {move.Source} to provider {destination} ({e.Message}); is {destination} allocated to another consumer or reserved? (openstack resource provider usage show {destination})", e.Code, e);
            }

            return move;
        }, ct);

    /// <summary>The migration is over: the migration consumer's allocations are removed. False when it held none.</summary>
    public async Task<bool> FinishMoveAsync(Guid instance, CancellationToken ct)
    {
        try
        {
            await DeleteAllocationsAsync(PlacementNames.MigrationConsumer(instance), ct).ConfigureAwait(false);
            return true;
        }
        catch (PlacementException e) when (e.Failure == PlacementFailure.NotFound)
        {
            return false; // nothing held: finished already, or never moved
        }
    }

    /// <summary>
    /// The migration failed or was cancelled: what the migration consumer holds goes back to the
    /// instance (which loses it at the destination), the migration consumer emptied, in one request.
    /// False when the migration consumer held nothing (reverted already, or never moved).
    /// </summary>
    public Task<bool> RevertMoveAsync(Guid instance, CancellationToken ct) =>
        RetriedAsync(instance, async (held, migration) =>
        {
            if (AllocationMove.Back(instance, held, migration) is not { } body)
            {
                return false;
            }

            await PostAllocationsAsync(body, ct).ConfigureAwait(false);
            return true;
        }, ct);

    /// <summary>POST /allocations: several consumers' allocations replaced in one transaction (204), or none.</summary>
    public Task PostAllocationsAsync(Dictionary<Guid, FleetAllocationsDoc> consumers, CancellationToken ct) =>
        SendAsync<object>(HttpMethod.Post, "/allocations", JsonContent.Create(consumers, FleetJson.Default.DictionaryGuidFleetAllocationsDoc), null, ct);

    // Reads the instance and its migration consumer, then writes; a consumer generation that moved
    // in between (409 concurrent_update) is read again, a bounded number of times.
    private async Task<T> RetriedAsync<T>(Guid instance, Func<FleetConsumerDoc, FleetConsumerDoc, Task<T>> write, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            FleetConsumerDoc held = await ConsumerAllocationsAsync(instance, ct).ConfigureAwait(false);
            FleetConsumerDoc migration = await ConsumerAllocationsAsync(PlacementNames.MigrationConsumer(instance), ct).ConfigureAwait(false);
            try
            {
                return await write(held, migration).ConfigureAwait(false);
            }
            catch (PlacementException e) when (e.Failure == PlacementFailure.ConcurrentUpdate)
            {
                if (attempt == MoveAttempts)
                {
                    throw new PlacementException(PlacementFailure.ConcurrentUpdate, $"the allocations of instance {instance} kept changing while usbpassd moved them ({attempt} attempts, last: {e.Message}); try again", e.Code, e);
                }
            }
        }
    }
}
