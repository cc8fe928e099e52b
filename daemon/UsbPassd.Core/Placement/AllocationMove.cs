using UsbPassd.Placement.Wire;

namespace UsbPassd.Placement;

/// <summary>
/// A live migration's move of one USB allocation, as Nova moves an instance's allocations (fleet.md
/// §1b): the instance's <paramref name="ResourceClass"/> goes from <paramref name="Source"/> (the host
/// it leaves) to <paramref name="Destination"/>, and <paramref name="Migration"/>
/// (<see cref="PlacementNames.MigrationConsumer"/>) holds the source's until the migration ends.
/// Pure: the two consumers as read in, the one <c>POST /allocations</c> body out.
/// </summary>
public sealed record AllocationMove(Guid Instance, Guid Migration, Guid Source, Guid Destination, string ResourceClass, int Amount)
{
    public const string InstanceType = "INSTANCE";
    public const string MigrationType = "MIGRATION";

    /// <summary>
    /// The move to <paramref name="destination"/> of what <paramref name="instance"/> holds of
    /// <paramref name="resourceClass"/> elsewhere; null when it holds none elsewhere (nothing to move:
    /// not scheduled by Placement, or already there). <paramref name="here"/>: the destination host's
    /// own providers, never a source (a second device of the same model moved in the same migration
    /// must not take the first one's new place).
    /// </summary>
    public static AllocationMove? Find(Guid instance, FleetConsumerDoc held, Guid destination, string resourceClass, IReadOnlyCollection<Guid>? here = null)
    {
        KeyValuePair<Guid, ConsumerResourcesDoc>[] sources = [.. held.Allocations
            .Where(kv => kv.Key != destination && !(here?.Contains(kv.Key) ?? false) && kv.Value.Resources.GetValueOrDefault(resourceClass) > 0)
            .OrderBy(kv => kv.Key)];
        return sources is [var source, ..]
            ? new AllocationMove(instance, PlacementNames.MigrationConsumer(instance), source.Key, destination, resourceClass, source.Value.Resources[resourceClass])
            : null;
    }

    /// <summary>
    /// The body that moves it in one request: the instance keeps everything else it holds (a compute
    /// node's VCPU…) and gets the class at the destination instead of the source; the migration
    /// consumer gets the source's. Each at the generation it was read at (null: a new consumer).
    /// </summary>
    public Dictionary<Guid, FleetAllocationsDoc> Forward(FleetConsumerDoc instance, FleetConsumerDoc migration)
    {
        Dictionary<Guid, ConsumerResourcesDoc> mine = Without(instance.Allocations, (c, p) => c == ResourceClass && (p == Source || p == Destination));
        mine[Destination] = With(mine.GetValueOrDefault(Destination), ResourceClass, Amount);
        Dictionary<Guid, ConsumerResourcesDoc> theirs = Without(migration.Allocations, (_, _) => false);
        theirs[Source] = With(theirs.GetValueOrDefault(Source), ResourceClass, Amount);
        return Body(Instance, instance, mine, migration, theirs);
    }

    /// <summary>
    /// The body that undoes a move: of each class the migration consumer holds, the instance gets back
    /// exactly what it holds (and loses that class wherever else it holds it: the destination); the
    /// migration consumer is emptied. Null when the migration consumer holds nothing (nothing to undo).
    /// </summary>
    public static Dictionary<Guid, FleetAllocationsDoc>? Back(Guid instance, FleetConsumerDoc held, FleetConsumerDoc migration)
    {
        HashSet<string> classes = [.. migration.Allocations.Values.SelectMany(r => r.Resources.Where(kv => kv.Value > 0).Select(kv => kv.Key))];
        if (classes.Count == 0)
        {
            return null;
        }

        Dictionary<Guid, ConsumerResourcesDoc> mine = Without(held.Allocations, (c, _) => classes.Contains(c));
        foreach ((Guid provider, ConsumerResourcesDoc r) in migration.Allocations)
        {
            foreach ((string resourceClass, int amount) in r.Resources.Where(kv => kv.Value > 0))
            {
                mine[provider] = With(mine.GetValueOrDefault(provider), resourceClass, amount);
            }
        }

        return Body(instance, held, mine, migration, []);
    }

    // Nova gives the migration consumer the instance's project and user; consumer_type is required at 1.38.
    private static Dictionary<Guid, FleetAllocationsDoc> Body(Guid instanceUuid, FleetConsumerDoc instance, Dictionary<Guid, ConsumerResourcesDoc> mine, FleetConsumerDoc migration, Dictionary<Guid, ConsumerResourcesDoc> theirs)
    {
        string project = instance.ProjectId ?? migration.ProjectId ?? throw new PlacementException(PlacementFailure.Refused, $"Placement names no project for consumer {instanceUuid}");
        string user = instance.UserId ?? migration.UserId ?? project;
        return new()
        {
            [instanceUuid] = new FleetAllocationsDoc { Allocations = mine, ProjectId = project, UserId = user, ConsumerGeneration = instance.ConsumerGeneration, ConsumerType = instance.ConsumerType ?? InstanceType },
            [PlacementNames.MigrationConsumer(instanceUuid)] = new FleetAllocationsDoc { Allocations = theirs, ProjectId = migration.ProjectId ?? project, UserId = migration.UserId ?? user, ConsumerGeneration = migration.ConsumerGeneration, ConsumerType = MigrationType },
        };
    }

    // Every provider's resources, less those 'drop' names (class, provider); a provider left with nothing is left out.
    private static Dictionary<Guid, ConsumerResourcesDoc> Without(Dictionary<Guid, ConsumerResourcesDoc> held, Func<string, Guid, bool> drop)
    {
        Dictionary<Guid, ConsumerResourcesDoc> kept = [];
        foreach ((Guid provider, ConsumerResourcesDoc r) in held)
        {
            Dictionary<string, int> resources = r.Resources.Where(kv => !drop(kv.Key, provider)).ToDictionary(StringComparer.Ordinal);
            if (resources.Count > 0)
            {
                kept[provider] = new ConsumerResourcesDoc { Resources = resources };
            }
        }

        return kept;
    }

    private static ConsumerResourcesDoc With(ConsumerResourcesDoc? r, string resourceClass, int amount) =>
        new() { Resources = new Dictionary<string, int>(r?.Resources ?? [], StringComparer.Ordinal) { [resourceClass] = amount } };
}
