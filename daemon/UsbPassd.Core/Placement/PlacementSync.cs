using System.Collections.Immutable;
using UsbPassd.Faults;
using UsbPassd.Placement.Wire;

namespace UsbPassd.Placement;

/// <summary>
/// Makes Placement say what the registry says, for one root provider: what each device should be
/// (<see cref="Want"/>) against what Placement holds (<see cref="KnownProvider"/>, read once at
/// <see cref="ConnectAsync"/> and then kept from our own writes' answers), and only the difference is
/// sent: creating a provider costs 3 requests (POST, inventory, traits), a change 1 (2 when both the
/// inventory and the traits change), an unchanged device 0. Not thread-safe: one loop drives it.
/// </summary>
public sealed class PlacementSync(PlacementClient client, string rootName, string endpointId, string? cacheFile)
{
    private const int Retries = 5;
    private readonly Dictionary<Guid, (long RowId, DeviceOffer Offer)> _desired = [];
    private readonly HashSet<Guid> _dirty = [];
    private readonly Dictionary<Guid, string> _failed = [];
    private Dictionary<Guid, KnownProvider> _known = [];
    private HashSet<string> _vocabulary = new(StringComparer.Ordinal);
    private bool _cacheDirty;

    public Guid? RootUuid { get; private set; }

    /// <summary>Changes not yet in Placement.</summary>
    public int Pending => _dirty.Count;

    public int Providers => _known.Count;

    /// <summary>Devices Placement refused (a duplicate name, an invalid trait): the message each gave. They are tried again when they change or on reconnect.</summary>
    public IReadOnlyDictionary<Guid, string> Failed => _failed;

    /// <summary>
    /// What the row <paramref name="rowId"/> says the device should be. A deleted row's offer does not
    /// replace a newer row's for the same dev_id (a renumbered device: new row, old row deleted).
    /// </summary>
    public void Want(long rowId, DeviceOffer offer, bool deleted)
    {
        if (_desired.TryGetValue(offer.Uuid, out (long RowId, DeviceOffer Offer) current))
        {
            if ((deleted && current.RowId != rowId) || Same(current.Offer, offer))
            {
                _desired[offer.Uuid] = (deleted ? current.RowId : rowId, current.Offer);
                return;
            }
        }

        _desired[offer.Uuid] = (rowId, offer);
        _dirty.Add(offer.Uuid);
        _failed.Remove(offer.Uuid);
    }

    /// <summary>The offer for <paramref name="uuid"/>, if a row named it.</summary>
    public DeviceOffer? Desired(Guid uuid) => _desired.TryGetValue(uuid, out (long, DeviceOffer Offer) d) ? d.Offer : null;

    /// <summary>
    /// Checks the microversion, finds (or creates) the root provider and reads its tree once; providers
    /// whose generation is still the cached one are taken as cached, the others are read. Every device
    /// is then compared again (<see cref="ConvergeAsync"/> sends only differences).
    /// </summary>
    public async Task ConnectAsync(CancellationToken ct)
    {
        await client.CheckVersionAsync(ct).ConfigureAwait(false);
        ProviderDoc root = await client.FindProviderAsync(rootName, ct).ConfigureAwait(false) ?? await CreateRootAsync(ct).ConfigureAwait(false);
        RootUuid = root.Uuid;
        SyncCache? cache = SyncCache.Load(cacheFile) is { } c && c.Endpoint == endpointId && c.Root == rootName ? c : null;
        if (cache is not null)
        {
            _vocabulary.UnionWith(cache.Vocabulary);
        }

        var known = new Dictionary<Guid, KnownProvider>();
        foreach (ProviderDoc p in await client.TreeAsync(root.Uuid, ct).ConfigureAwait(false))
        {
            if (p.ParentProviderUuid != root.Uuid || !(_desired.ContainsKey(p.Uuid) || PlacementNames.IsDeviceProviderName(rootName, p.Name) || (cache?.Providers.ContainsKey(p.Uuid) ?? false)))
            {
                continue; // the root itself, and Nova's, Neutron's or Cyborg's providers: not ours to touch
            }

            known[p.Uuid] = cache?.Providers.TryGetValue(p.Uuid, out KnownProvider? k) == true && k.Generation == p.Generation && k.Consumers is not null
                ? k
                : await ReadAsync(p.Uuid, ct).ConfigureAwait(false);
        }

        _known = known;
        _cacheDirty = true;
        _dirty.UnionWith(_desired.Keys);
        _dirty.UnionWith(_known.Keys);
        _failed.Clear();
    }

    /// <summary>
    /// Sends every pending difference. Placement unreachable, or refusing the token or the version,
    /// ends the pass with the exception (what is done stays done, the rest stays pending); a refusal
    /// that concerns one device only is kept in <see cref="Failed"/> and the pass goes on.
    /// </summary>
    public async Task<int> ConvergeAsync(CancellationToken ct)
    {
        int done = 0;
        try
        {
            foreach (Guid uuid in _dirty.ToArray())
            {
                try
                {
                    if (await ConvergeAsync(uuid, ct).ConfigureAwait(false))
                    {
                        done++;
                    }
                }
                catch (PlacementException e) when (e.Failure is PlacementFailure.Conflict or PlacementFailure.Refused or PlacementFailure.NotFound or PlacementFailure.ConcurrentUpdate)
                {
                    _failed[uuid] = e.Message;
                }

                _dirty.Remove(uuid);
            }
        }
        finally
        {
            SaveCache();
        }

        return done;
    }

    // One device: create when offered and absent, then inventory and traits where they differ.
    private async Task<bool> ConvergeAsync(Guid uuid, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await ConvergeOnceAsync(uuid, ct).ConfigureAwait(false);
            }
            catch (PlacementException e) when (e.Failure == PlacementFailure.NotFound && attempt == 0 && _known.Remove(uuid))
            {
                _cacheDirty = true; // someone deleted the provider: create it again
            }
        }
    }

    private async Task<bool> ConvergeOnceAsync(Guid uuid, CancellationToken ct)
    {
        DeviceOffer? offer = Desired(uuid);
        KnownProvider? known = _known.GetValueOrDefault(uuid);
        if (known is null)
        {
            if (offer is not { Offered: true } || RootUuid is not Guid root)
            {
                return false; // never created for a device that cannot be given
            }

            await EnsureResourceClassAsync(offer.ResourceClass, ct).ConfigureAwait(false);
            await EnsureTraitsAsync(offer.Traits, ct).ConfigureAwait(false);
            known = await CreateAsync(offer, root, ct).ConfigureAwait(false);
        }

        bool changed = false;
        string? resourceClass = offer?.ResourceClass ?? known.ResourceClass;
        int reserved = offer is null ? 1 : Reserved(offer, known);
        if (resourceClass is not null && (known.ResourceClass != resourceClass || known.Reserved != reserved))
        {
            await EnsureResourceClassAsync(resourceClass, ct).ConfigureAwait(false);

            known = await WriteAsync(uuid, known, k => PutInventoryAsync(uuid, k, resourceClass, reserved, ct), ct).ConfigureAwait(false);
            CrashPoint.Here(CrashPoints.PlacementInventoryAfter);
            changed = true;
        }

        // A device that cannot be given keeps the traits it had: a scheduler asking for it finds it, unavailable.
        // One that never had ours (created, then a crash before its traits) gets them: without the marker,
        // the fleet commands would take it for a host.
        if (offer is not null && (offer.Offered || known.Traits?.Contains(PlacementNames.MarkerTrait) != true) && !offer.SameTraits(known.Traits?.ToImmutableSortedSet(StringComparer.Ordinal)))
        {
            await EnsureTraitsAsync(offer.Traits, ct).ConfigureAwait(false);
            known = await WriteAsync(uuid, known, k => PutTraitsAsync(uuid, k, offer.Traits, ct), ct).ConfigureAwait(false);
            CrashPoint.Here(CrashPoints.PlacementTraitsAfter);
            changed = true;
        }

        return changed;
    }

    /// <summary>
    /// One GET of the tree: a provider of ours whose generation moved without us (an allocation
    /// written, an operator's edit) is read again, and said again where it differs from the registry;
    /// a provider someone holds is asked whether it still does. While nothing is allocated and nothing
    /// moves, that is one request. True when some provider's consumers changed.
    /// </summary>
    public async Task<bool> PollAsync(CancellationToken ct)
    {
        if (RootUuid is not Guid root)
        {
            return false;
        }

        bool changed = false;
        var present = new HashSet<Guid>();
        foreach (ProviderDoc p in await client.TreeAsync(root, ct).ConfigureAwait(false))
        {
            if (!_known.TryGetValue(p.Uuid, out KnownProvider? before) || !present.Add(p.Uuid))
            {
                continue;
            }

            if (before.Generation == p.Generation)
            {
                // Placement 8.0 does not move the generation when allocations are deleted: a held
                // provider is asked who holds it (one request each; a free one costs nothing).
                if (before.Consumers is { Count: > 0 })
                {
                    AllocationsDoc held = await client.AllocationsAsync(p.Uuid, ct).ConfigureAwait(false) ?? new AllocationsDoc();
                    IReadOnlyList<string> consumers = Consumers(held.Allocations.Keys);
                    if (!SameConsumers(before.Consumers, consumers))
                    {
                        Remember(p.Uuid, before with { Consumers = consumers });
                        _dirty.Add(p.Uuid);
                        changed = true;
                    }
                }

                continue;
            }

            KnownProvider now = Remember(p.Uuid, await ReadAsync(p.Uuid, ct).ConfigureAwait(false));
            changed |= !SameConsumers(before.Consumers, now.Consumers);
            _dirty.Add(p.Uuid);
        }

        foreach (Guid gone in _known.Keys.Where(k => !present.Contains(k)).ToArray())
        {
            // Deleted by someone (Placement refuses that while it has allocations): created again when offered.
            changed |= _known[gone].Consumers is { Count: > 0 };
            _known.Remove(gone);
            _dirty.Add(gone);
            _cacheDirty = true;
        }

        return changed;
    }

    /// <summary>
    /// What one consumer holds (GET /allocations/{consumer}), for a domain about to start before the
    /// next poll has seen its allocation: it is added to the providers of ours it names. True when that
    /// is news. A consumer's allocations that went are left to the poll.
    /// </summary>
    public async Task<bool> LookUpConsumerAsync(Guid consumer, CancellationToken ct)
    {
        string id = consumer.ToString("D");
        bool changed = false;
        foreach (Guid provider in await client.ProvidersOfConsumerAsync(consumer, ct).ConfigureAwait(false))
        {
            if (_known.TryGetValue(provider, out KnownProvider? k) && k.Consumers is not null && !k.Consumers.Contains(id))
            {
                _known[provider] = k with { Consumers = [.. k.Consumers, id] }; // the generation stays: the poll reads it again
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>
    /// The destination's side of a live migration (<see cref="PlacementClient.MoveAsync"/>): the device
    /// the migration reserved here for <paramref name="instance"/> is unavailable in Placement by our own
    /// <c>reserved</c> (the instance does not hold it there yet), which would make Placement refuse the
    /// move over capacity; that is lifted first (the loop is ours: the sync cannot put it back in
    /// between). A move that fails leaves the provider to be said again by the next converge.
    /// </summary>
    public async Task<AllocationMove?> MoveInAsync(Guid instance, Guid destination, string resourceClass, CancellationToken ct)
    {
        _dirty.Add(destination);
        if (_known.TryGetValue(destination, out KnownProvider? known) && known.Reserved > 0 && known.ResourceClass is string ours
            && Desired(destination)?.LocalOwner is string owner && Guid.TryParse(owner, out Guid o) && o == instance)
        {
            await WriteAsync(destination, known, k => PutInventoryAsync(destination, k, ours, 0, ct), ct).ConfigureAwait(false);
        }

        AllocationMove? move = await client.MoveAsync(instance, destination, resourceClass, ct, [.. _known.Keys]).ConfigureAwait(false);
        if (move is not null && _known.TryGetValue(destination, out KnownProvider? now) && now.Consumers is { } consumers)
        {
            Remember(destination, now with { Consumers = Consumers([.. consumers, instance.ToString("D")]) }); // the generation stays: the poll reads it again
        }

        return move;
    }

    /// <summary>Who holds each of our providers whose device a registry row names, as last read.</summary>
    public IEnumerable<Holding> Holdings() =>
        from kv in _known
        where kv.Value.Consumers is not null && Desired(kv.Key) is not null
        select new Holding(kv.Key, Desired(kv.Key)!.DevId, kv.Value.Consumers!);

    private async Task<ProviderDoc> CreateRootAsync(CancellationToken ct)
    {
        ProviderDoc root = await client.CreateProviderAsync(rootName, PlacementNames.RootProvider(rootName), null, ct).ConfigureAwait(false);
        CrashPoint.Here(CrashPoints.PlacementRootAfter);
        return root;
    }

    private async Task<KnownProvider> CreateAsync(DeviceOffer offer, Guid root, CancellationToken ct)
    {
        try
        {
            CrashPoint.Here(CrashPoints.PlacementCreateBefore);
            ProviderDoc created = await client.CreateProviderAsync(offer.Name, offer.Uuid, root, ct).ConfigureAwait(false);
            CrashPoint.Here(CrashPoints.PlacementCreateAfter);
            return Remember(offer.Uuid, new KnownProvider { Generation = created.Generation, Consumers = [] });
        }
        catch (PlacementException e) when (e.Failure == PlacementFailure.Conflict && e.Code == "placement.duplicate_uuid")
        {
            return Remember(offer.Uuid, await ReadAsync(offer.Uuid, ct).ConfigureAwait(false)); // created meanwhile (another run, a restored cache)
        }
    }

    // Local ownership makes a device unavailable unless Placement already has its owner (or the owner's
    // migration consumer, while it migrates away) as a consumer here: then the allocation is what makes it
    // unavailable, and a reserved 1 on top would make Placement refuse the move back. As last read: every
    // known provider has its consumers (read with it, or none when we created it), so no request is needed here.
    private static int Reserved(DeviceOffer offer, KnownProvider known) =>
        offer.Offered && offer.LocalOwner is string owner && Guid.TryParse(owner, out Guid consumer) && known.ResourceClass is not null
            && (known.Consumers ?? []).Any(c => c == consumer.ToString("D") || c == PlacementNames.MigrationConsumer(consumer).ToString("D"))
            ? 0
            : offer.Reserved;

    // A write at the known generation; on 409 concurrent_update, read the generation again and retry.
    private async Task<KnownProvider> WriteAsync(Guid uuid, KnownProvider known, Func<KnownProvider, Task<KnownProvider>> write, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return Remember(uuid, await write(known).ConfigureAwait(false));
            }
            catch (PlacementException e) when (e.Failure == PlacementFailure.ConcurrentUpdate && attempt < Retries)
            {
                known = Remember(uuid, await ReadAsync(uuid, ct).ConfigureAwait(false));
            }
        }
    }

    private async Task<KnownProvider> PutInventoryAsync(Guid uuid, KnownProvider known, string resourceClass, int reserved, CancellationToken ct)
    {
        long generation = await client.PutInventoriesAsync(uuid, new InventoriesDoc
        {
            ResourceProviderGeneration = known.Generation,
            Inventories = new() { [resourceClass] = new InventoryDoc { Total = 1, Reserved = reserved } },
        }, ct).ConfigureAwait(false);
        return known with { Generation = generation, ResourceClass = resourceClass, Reserved = reserved };
    }

    private async Task<KnownProvider> PutTraitsAsync(Guid uuid, KnownProvider known, ImmutableSortedSet<string> traits, CancellationToken ct)
    {
        long generation = await client.PutTraitsAsync(uuid, new TraitsDoc { ResourceProviderGeneration = known.Generation, Traits = [.. traits] }, ct).ConfigureAwait(false);
        return known with { Generation = generation, Traits = [.. traits] };
    }

    // Three reads, only for a provider that changed behind our back (or at the first start without a
    // cache). They are not one snapshot: the lowest generation is kept, so a change between them is
    // read again at the next poll rather than missed.
    private async Task<KnownProvider> ReadAsync(Guid uuid, CancellationToken ct)
    {
        InventoriesDoc inventories = await client.InventoriesAsync(uuid, ct).ConfigureAwait(false) ?? new InventoriesDoc();
        TraitsDoc traits = await client.TraitsAsync(uuid, ct).ConfigureAwait(false) ?? new TraitsDoc();
        AllocationsDoc allocations = await client.AllocationsAsync(uuid, ct).ConfigureAwait(false) ?? new AllocationsDoc();
        KeyValuePair<string, InventoryDoc>? ours = inventories.Inventories.Where(kv => kv.Key.StartsWith("CUSTOM_USB_", StringComparison.Ordinal)).Select(kv => (KeyValuePair<string, InventoryDoc>?)kv).FirstOrDefault();
        return new KnownProvider
        {
            Generation = Math.Min(Math.Min(inventories.ResourceProviderGeneration, traits.ResourceProviderGeneration), allocations.ResourceProviderGeneration),
            Consumers = Consumers(allocations.Allocations.Keys),
            ResourceClass = inventories.Inventories.Count == 1 && ours is { Value.Total: 1 } ? ours.Value.Key : null,
            Reserved = inventories.Inventories.Count == 1 && ours is { Value.Total: 1 } ? ours.Value.Value.Reserved : null,
            Traits = traits.Traits,
        };
    }

    // Custom traits and classes must exist before a provider names them: PUT each once (idempotent), then remember it.
    private async Task EnsureTraitsAsync(IEnumerable<string> traits, CancellationToken ct)
    {
        foreach (string trait in traits)
        {
            if (trait.StartsWith("CUSTOM_", StringComparison.Ordinal) && _vocabulary.Add("trait:" + trait))
            {
                await Undo(client.EnsureTraitAsync(trait, ct), "trait:" + trait).ConfigureAwait(false);
            }
        }
    }

    private async Task EnsureResourceClassAsync(string resourceClass, CancellationToken ct)
    {
        if (_vocabulary.Add("class:" + resourceClass))
        {
            await Undo(client.EnsureResourceClassAsync(resourceClass, ct), "class:" + resourceClass).ConfigureAwait(false);
        }
    }

    private async Task Undo(Task put, string name)
    {
        try
        {
            await put.ConfigureAwait(false);
            _cacheDirty = true;
        }
        catch (PlacementException)
        {
            _vocabulary.Remove(name);
            throw;
        }
    }

    private KnownProvider Remember(Guid uuid, KnownProvider known)
    {
        _known[uuid] = known;
        _cacheDirty = true;
        return known;
    }

    private void SaveCache()
    {
        if (cacheFile is null || !_cacheDirty)
        {
            return;
        }

        try
        {
            CrashPoint.Here(CrashPoints.PlacementCacheBefore);
            new SyncCache { Endpoint = endpointId, Root = rootName, Providers = new(_known), Vocabulary = [.. _vocabulary] }.Save(cacheFile);
            CrashPoint.Here(CrashPoints.PlacementCacheAfter);
            _cacheDirty = false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A cache only: the next start reads the tree instead.
        }
    }

    private static IReadOnlyList<string> Consumers(IEnumerable<string> keys) =>
        [.. keys.Select(k => Guid.TryParse(k, out Guid g) ? g.ToString("D") : k).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    private static bool SameConsumers(IReadOnlyList<string>? a, IReadOnlyList<string>? b) =>
        (a ?? []).SequenceEqual(b ?? [], StringComparer.Ordinal);

    private static bool Same(DeviceOffer a, DeviceOffer b) =>
        a.DevId == b.DevId && a.Name == b.Name && a.ResourceClass == b.ResourceClass && a.Offered == b.Offered && a.LocalOwner == b.LocalOwner && a.Traits.SetEquals(b.Traits);
}
