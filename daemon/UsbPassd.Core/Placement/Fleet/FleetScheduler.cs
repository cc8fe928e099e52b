using UsbPassd.Placement.Wire;

namespace UsbPassd.Placement.Fleet;

/// <summary>
/// A reference scheduler for USB devices, as Nova's would do it with a flavor's
/// <c>resources1:CUSTOM_USB_…=1</c> and <c>trait1:…=required</c>: ask Placement for allocation
/// candidates, pick one at random (20 schedulers asking at once then rarely choose the same device),
/// write the consumer's allocation, and when another scheduler won the race (409: capacity exceeded, or
/// a generation that moved) ask again, up to <see cref="MaxAttempts"/> times. Placement's allocation
/// write is the arbiter: no device is ever given twice, whatever the schedulers do.
/// </summary>
public sealed class FleetScheduler(PlacementClient client)
{
    public int MaxAttempts { get; init; } = 10;

    /// <summary>Candidates asked for (<c>limit</c>); null for all. Fewer are cheaper to list, and make conflicts likelier.</summary>
    public int? CandidateLimit { get; init; }

    /// <summary>The consumer's project and user in Placement (Nova: the instance's).</summary>
    public string ProjectId { get; init; } = "usbpassctl";

    public string UserId { get; init; } = "usbpassctl";

    public async Task<FleetPlacement> PlaceAsync(DeviceRequest request, Guid consumer, bool dryRun, CancellationToken ct)
    {
        if (request.Problem() is string problem)
        {
            throw new ArgumentException(problem, nameof(request));
        }

        long before = client.Requests;
        FleetPlacement Outcome(PlacementResult result, string? reason, int attempts = 0, int conflicts = 0, int candidates = 0) => new()
        {
            Result = result, Consumer = consumer, Reason = reason, Attempts = attempts, Conflicts = conflicts, Candidates = candidates,
            DryRun = dryRun, ResourceClass = request.ResourceClass, Requests = client.Requests - before,
        };

        Guid? tree = null;
        if (request.Host is string hostName)
        {
            if ((await client.ProvidersAsync("name=" + Uri.EscapeDataString(hostName), ct).ConfigureAwait(false)) is not [ProviderDoc root, ..])
            {
                return Outcome(PlacementResult.NoDevice, $"Placement has no host (resource provider) named '{hostName}'");
            }

            tree = root.Uuid;
        }

        IReadOnlyList<string> classes = request.ResourceClass is string c ? [c] : await ClassesAsync(request, tree, ct).ConfigureAwait(false);
        if (classes.Count == 0)
        {
            return Outcome(PlacementResult.NoDevice, $"no USB device in Placement matches {request}");
        }

        int conflicts = 0;
        int offered = 0;
        int dropped = 0;
        for (int attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            (string ResourceClass, Guid Provider)? pick = null;
            int droppedBefore = dropped;
            foreach (string resourceClass in classes)
            {
                FleetCandidatesDoc candidates;
                try
                {
                    candidates = await client.CandidatesAsync(request.CandidatesQuery(resourceClass, tree, CandidateLimit), ct).ConfigureAwait(false);
                }
                catch (PlacementException e) when (e.Failure == PlacementFailure.Unreachable && attempt < MaxAttempts)
                {
                    // A connection refused or dropped under load (wsgiref's listen backlog is 5): ask again, within the attempts.
                    dropped++;
                    break;
                }
                catch (PlacementException e) when (IsUnknownName(e))
                {
                    return Outcome(PlacementResult.NoDevice, $"no USB device in Placement matches {request}: Placement knows no such class or trait ({e.Message})", attempt, conflicts);
                }

                offered = candidates.AllocationRequests.Count;
                if (offered > 0)
                {
                    Guid provider = candidates.AllocationRequests[Random.Shared.Next(offered)].Allocations.Keys.First();
                    pick = (resourceClass, provider);
                    break;
                }
            }

            if (dropped > droppedBefore)
            {
                await Task.Delay(Random.Shared.Next(10, 50 * attempt), ct).ConfigureAwait(false);
                continue;
            }

            if (pick is not var (chosenClass, chosen))
            {
                return Outcome(PlacementResult.NoDevice, await WhyNoneAsync(request, classes, tree, ct).ConfigureAwait(false), attempt, conflicts);
            }

            if (!dryRun)
            {
                try
                {
                    await client.PutAllocationsAsync(consumer, new FleetAllocationsDoc
                    {
                        Allocations = new() { [chosen] = new ConsumerResourcesDoc { Resources = new() { [chosenClass] = 1 } } },
                        ProjectId = ProjectId,
                        UserId = UserId,
                    }, ct).ConfigureAwait(false);
                }
                catch (PlacementException e) when (IsConsumerConflict(e))
                {
                    throw new PlacementException(PlacementFailure.Conflict, $"consumer {consumer} already holds allocations in Placement: release them first (usbpassctl fleet release --consumer {consumer}) or use another UUID", e.Code, e);
                }
                catch (PlacementException e) when (e.Failure == PlacementFailure.Unreachable && attempt < MaxAttempts)
                {
                    // No answer to the write (the connection dropped): whether it was made, Placement says.
                    dropped++;
                    if (!(await client.ConsumerAllocationsAsync(consumer, ct).ConfigureAwait(false)).Allocations.ContainsKey(chosen))
                    {
                        continue;
                    }
                }
                catch (PlacementException e) when (IsLostRace(e))
                {
                    conflicts++;
                    await Task.Delay(Random.Shared.Next(1 + (5 * attempt)), ct).ConfigureAwait(false); // jitter: the losers do not ask again in step
                    continue;
                }
            }

            // The host's and the device's names: the tree of the chosen root, one request.
            Guid? root = null;
            string? host = null, name = null;
            // The allocation is made: a lookup that fails under load must not lose it (asked 3 times, else the names stay unknown).
            IReadOnlyList<ProviderDoc> family = [];
            for (int lookup = 1; lookup <= 3 && family.Count == 0; lookup++)
            {
                try
                {
                    family = await client.ProvidersAsync("in_tree=" + chosen, ct).ConfigureAwait(false);
                }
                catch (PlacementException e) when (e.Failure == PlacementFailure.Unreachable)
                {
                    dropped++;
                }
            }

            if (family.FirstOrDefault(p => p.Uuid == chosen) is ProviderDoc device)
            {
                name = device.Name;
                root = device.RootProviderUuid;
                host = family.FirstOrDefault(p => p.Uuid == device.RootProviderUuid)?.Name;
            }

            return Outcome(PlacementResult.Placed, null, attempt, conflicts, offered) with
            {
                Dropped = dropped,
                Host = host, HostUuid = root, Provider = chosen, ProviderName = name, ResourceClass = chosenClass, Requests = client.Requests - before,
            };
        }

        return Outcome(PlacementResult.Contended, $"another scheduler took the device each of {MaxAttempts} attempts chose (or Placement dropped the connection {dropped} times); ask again", MaxAttempts, conflicts, offered) with { Dropped = dropped };
    }

    /// <summary>DELETE /allocations/{consumer}: false when it held none.</summary>
    public async Task<bool> ReleaseAsync(Guid consumer, CancellationToken ct)
    {
        try
        {
            await client.DeleteAllocationsAsync(consumer, ct).ConfigureAwait(false);
            return true;
        }
        catch (PlacementException e) when (e.Failure == PlacementFailure.NotFound)
        {
            return false;
        }
    }

    /// <summary>Another scheduler's allocation won (capacity exceeded) or a provider's generation moved meanwhile.</summary>
    public static bool IsLostRace(PlacementException e) =>
        (e.Failure == PlacementFailure.ConcurrentUpdate && !IsConsumerConflict(e))
        || (e.Failure == PlacementFailure.Conflict && e.Message.Contains("capacity", StringComparison.OrdinalIgnoreCase));

    /// <summary>The consumer already holds allocations (a new consumer's generation is null, Placement expected its own).</summary>
    public static bool IsConsumerConflict(PlacementException e) =>
        e.Failure == PlacementFailure.ConcurrentUpdate && e.Message.Contains("consumer generation", StringComparison.OrdinalIgnoreCase);

    /// <summary>400 for a trait or resource class Placement has never heard of: nothing can match.</summary>
    public static bool IsUnknownName(PlacementException e) =>
        e.Failure == PlacementFailure.Refused
        && (e.Message.Contains("No such trait", StringComparison.Ordinal) || e.Message.Contains("resource class", StringComparison.OrdinalIgnoreCase));

    // Only a serial, labels or traits: the models of the providers that have them (their names say it).
    private async Task<IReadOnlyList<string>> ClassesAsync(DeviceRequest request, Guid? tree, CancellationToken ct)
    {
        var classes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (ProviderDoc p in await MatchingAsync(request, tree, ct).ConfigureAwait(false))
        {
            string? resourceClass = ProviderName.ResourceClass(p.Name)
                ?? (await client.InventoriesAsync(p.Uuid, ct).ConfigureAwait(false))?.Inventories.Keys.FirstOrDefault(k => k.StartsWith("CUSTOM_USB_", StringComparison.Ordinal));
            if (resourceClass is not null)
            {
                classes.Add(resourceClass);
            }
        }

        return [.. classes];
    }

    private async Task<IReadOnlyList<ProviderDoc>> MatchingAsync(DeviceRequest request, Guid? tree, CancellationToken ct)
    {
        try
        {
            return await client.ProvidersAsync("required=" + string.Join(',', request.RequiredTraits()) + (tree is Guid t ? "&in_tree=" + t : ""), ct).ConfigureAwait(false);
        }
        catch (PlacementException e) when (IsUnknownName(e))
        {
            return []; // a serial or label no device ever had
        }
    }

    // No candidate: none matches at all, or all that match are taken. One request, only then.
    private async Task<string> WhyNoneAsync(DeviceRequest request, IReadOnlyList<string> classes, Guid? tree, CancellationToken ct)
    {
        int matching = (await MatchingAsync(request, tree, ct).ConfigureAwait(false))
            .Count(p => ProviderName.ResourceClass(p.Name) is not string c || classes.Contains(c));
        return matching == 0
            ? $"no USB device in Placement matches {request}"
            : $"no device is free: all {matching} that match {request} are in use or unavailable (usbpassctl fleet list shows who holds them)";
    }
}
