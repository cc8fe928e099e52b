using System.Collections.Immutable;
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
        ProviderDoc root = await client.FindProviderAsync(rootName, ct).ConfigureAwait(false)
            ?? await client.CreateProviderAsync(rootName, PlacementNames.RootProvider(rootName), null, ct).ConfigureAwait(false);
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

            known[p.Uuid] = cache?.Providers.TryGetValue(p.Uuid, out KnownProvider? k) == true && k.Generation == p.Generation
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
        int reserved = offer is null ? 1 : await ReservedAsync(uuid, offer, known, ct).ConfigureAwait(false);
        if (resourceClass is not null && (known.ResourceClass != resourceClass || known.Reserved != reserved))
        {
            await EnsureResourceClassAsync(resourceClass, ct).ConfigureAwait(false);

            known = await WriteAsync(uuid, known, k => PutInventoryAsync(uuid, k, resourceClass, reserved, ct), ct).ConfigureAwait(false);
            changed = true;
        }

        // A device that cannot be given keeps the traits it had: a scheduler asking for it finds it, unavailable.
        if (offer is not null && (offer.Offered || known.Traits is null) && !offer.SameTraits(known.Traits?.ToImmutableSortedSet(StringComparer.Ordinal)))
        {
            await EnsureTraitsAsync(offer.Traits, ct).ConfigureAwait(false);
            known = await WriteAsync(uuid, known, k => PutTraitsAsync(uuid, k, offer.Traits, ct), ct).ConfigureAwait(false);
            changed = true;
        }

        return changed;
    }

    private async Task<KnownProvider> CreateAsync(DeviceOffer offer, Guid root, CancellationToken ct)
    {
        try
        {
            ProviderDoc created = await client.CreateProviderAsync(offer.Name, offer.Uuid, root, ct).ConfigureAwait(false);
            return Remember(offer.Uuid, new KnownProvider { Generation = created.Generation });
        }
        catch (PlacementException e) when (e.Failure == PlacementFailure.Conflict && e.Code == "placement.duplicate_uuid")
        {
            return Remember(offer.Uuid, await ReadAsync(offer.Uuid, ct).ConfigureAwait(false)); // created meanwhile (another run, a restored cache)
        }
    }

    // Local ownership makes a device unavailable unless Placement already has its owner as a consumer
    // here (then the allocation is what makes it unavailable). Asked only when it would change the inventory.
    private async Task<int> ReservedAsync(Guid uuid, DeviceOffer offer, KnownProvider known, CancellationToken ct)
    {
        if (!offer.Offered || offer.LocalOwner is not string owner || !Guid.TryParse(owner, out Guid consumer) || known.Reserved == 1 || known.ResourceClass is null)
        {
            return offer.Reserved;
        }

        AllocationsDoc? allocations = await client.AllocationsAsync(uuid, ct).ConfigureAwait(false);
        return allocations?.Allocations.Keys.Any(k => Guid.TryParse(k, out Guid c) && c == consumer) == true ? 0 : 1;
    }

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

    // Two reads, only for a provider that changed behind our back (or at the first start without a cache).
    private async Task<KnownProvider> ReadAsync(Guid uuid, CancellationToken ct)
    {
        InventoriesDoc inventories = await client.InventoriesAsync(uuid, ct).ConfigureAwait(false) ?? new InventoriesDoc();
        TraitsDoc traits = await client.TraitsAsync(uuid, ct).ConfigureAwait(false) ?? new TraitsDoc();
        KeyValuePair<string, InventoryDoc>? ours = inventories.Inventories.Where(kv => kv.Key.StartsWith("CUSTOM_USB_", StringComparison.Ordinal)).Select(kv => (KeyValuePair<string, InventoryDoc>?)kv).FirstOrDefault();
        return new KnownProvider
        {
            Generation = Math.Max(inventories.ResourceProviderGeneration, traits.ResourceProviderGeneration),
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
            new SyncCache { Endpoint = endpointId, Root = rootName, Providers = new(_known), Vocabulary = [.. _vocabulary] }.Save(cacheFile);
            _cacheDirty = false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A cache only: the next start reads the tree instead.
        }
    }

    private static bool Same(DeviceOffer a, DeviceOffer b) =>
        a.DevId == b.DevId && a.Name == b.Name && a.ResourceClass == b.ResourceClass && a.Offered == b.Offered && a.LocalOwner == b.LocalOwner && a.Traits.SetEquals(b.Traits);
}
