using UsbPassd.Placement.Wire;

namespace UsbPassd.Placement.Fleet;

/// <summary>
/// Every USB device provider of usbpassd's in Placement (trait <c>CUSTOM_USBPASSD_DEVICE</c>) with its
/// host, traits, inventory and consumers. Placement has no call that returns traits or allocations of
/// many providers, except allocation candidates, whose summaries carry the traits of every provider
/// that could be given now. So: our providers (1 request), the others for the hosts' names (1), the
/// free devices of each model with their traits (1 per model), and 3 reads (inventory, traits,
/// allocations) per device that is not free: <c>2 + models + 3 × not free</c>, and 1 more per provider
/// whose name someone changed (its inventory says its model).
/// </summary>
public static class FleetListing
{
    public static async Task<IReadOnlyList<FleetDevice>> ListAsync(PlacementClient client, CancellationToken ct)
    {
        IReadOnlyList<ProviderDoc> ours = await client.ProvidersAsync("required=" + PlacementNames.MarkerTrait, ct).ConfigureAwait(false);
        if (ours.Count == 0)
        {
            return [];
        }

        Dictionary<Guid, string> hosts = (await client.ProvidersAsync("required=!" + PlacementNames.MarkerTrait, ct).ConfigureAwait(false))
            .ToDictionary(p => p.Uuid, p => p.Name);

        var classes = new Dictionary<Guid, string?>();
        var inventories = new Dictionary<Guid, InventoriesDoc?>();
        foreach (ProviderDoc p in ours)
        {
            if (ProviderName.ResourceClass(p.Name) is string c)
            {
                classes[p.Uuid] = c;
            }
            else
            {
                InventoriesDoc? inventory = await client.InventoriesAsync(p.Uuid, ct).ConfigureAwait(false);
                inventories[p.Uuid] = inventory;
                classes[p.Uuid] = ClassIn(inventory);
            }
        }

        // Free now: in a candidate for its class; the summary has its traits.
        var free = new Dictionary<Guid, IReadOnlyList<string>>();
        foreach (string c in classes.Values.OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            FleetCandidatesDoc candidates = await client.CandidatesAsync($"resources1={c}:1&required1={PlacementNames.MarkerTrait}", ct).ConfigureAwait(false);
            foreach (Guid provider in candidates.AllocationRequests.SelectMany(r => r.Allocations.Keys))
            {
                free[provider] = candidates.ProviderSummaries.TryGetValue(provider, out FleetProviderSummaryDoc? s) ? s.Traits : [];
            }
        }

        var devices = new List<FleetDevice>(ours.Count);
        foreach (ProviderDoc p in ours)
        {
            Guid root = p.RootProviderUuid ?? p.ParentProviderUuid ?? p.Uuid;
            string? host = hosts.GetValueOrDefault(root);
            if (free.TryGetValue(p.Uuid, out IReadOnlyList<string>? traits))
            {
                devices.Add(new FleetDevice(host, root, p.Uuid, p.Name, classes[p.Uuid], Sorted(traits), 0, []));
                continue;
            }

            InventoriesDoc? inventory = inventories.TryGetValue(p.Uuid, out InventoriesDoc? read) ? read : await client.InventoriesAsync(p.Uuid, ct).ConfigureAwait(false);
            TraitsDoc? held = await client.TraitsAsync(p.Uuid, ct).ConfigureAwait(false);
            AllocationsDoc? allocations = await client.AllocationsAsync(p.Uuid, ct).ConfigureAwait(false);
            string? resourceClass = ClassIn(inventory) ?? classes[p.Uuid];
            int reserved = resourceClass is not null && inventory?.Inventories.GetValueOrDefault(resourceClass) is InventoryDoc i ? i.Reserved : 1;
            Guid[] consumers = [.. (allocations?.Allocations.Keys ?? Enumerable.Empty<string>()).Select(k => Guid.TryParse(k, out Guid g) ? g : Guid.Empty).Where(g => g != Guid.Empty).Order()];
            devices.Add(new FleetDevice(host, root, p.Uuid, p.Name, resourceClass, Sorted(held?.Traits ?? []), reserved, consumers));
        }

        return [.. devices.OrderBy(d => d.Host, StringComparer.Ordinal).ThenBy(d => d.Name, StringComparer.Ordinal)];
    }

    private static string? ClassIn(InventoriesDoc? inventory) =>
        inventory?.Inventories.Keys.FirstOrDefault(k => k.StartsWith("CUSTOM_USB_", StringComparison.Ordinal));

    private static string[] Sorted(IEnumerable<string> traits) => [.. traits.Order(StringComparer.Ordinal)];
}
