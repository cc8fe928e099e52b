using System.Text.Json.Nodes;
using UsbPassd.Placement;
using UsbPassd.Tests.Integration.Placement;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// What must hold between Placement and the registry once the sync has run after a crash: exactly one
/// provider of ours, under the host's root, per device the registry offers (inventory total 1, the
/// marker trait), <c>reserved</c> 1 exactly where the device is missing, not offered or held here by
/// an instance Placement does not account for; no provider of ours that no registry row names; the
/// allocations the scheduler wrote all still there, on providers that still exist; and the ledger
/// following them (each allocation's device claimed for its consumer, each claim an allocation made
/// still backed by one).
/// </summary>
internal static class CrashPlacementCheck
{
    /// <param name="allocated">dev_id → consumer: the allocations the harness's scheduler holds now.</param>
    /// <returns>What is wrong, one sentence each; empty when all holds.</returns>
    public static async Task<List<string>> ProblemsAsync(CrashHost host, PlacementServer placement, string rootName, IReadOnlyDictionary<string, string> allocated)
    {
        List<string> problems = [];
        JsonNode roots = await placement.GetAsync("/resource_providers?name=" + Uri.EscapeDataString(rootName));
        if (roots["resource_providers"]!.AsArray() is not [JsonNode rootDoc])
        {
            return [$"no root provider {rootName}"];
        }

        string root = rootDoc["uuid"]!.GetValue<string>();
        var ours = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (JsonNode p in (await placement.GetAsync($"/resource_providers?in_tree={root}"))["resource_providers"]!.AsArray()!.OfType<JsonNode>())
        {
            string uuid = p["uuid"]!.GetValue<string>();
            if (uuid != root && p["name"]!.GetValue<string>().StartsWith(rootName + "_usb_", StringComparison.Ordinal))
            {
                ours[uuid] = p;
            }
        }

        // Every row of a key, live or deleted: a provider no row names is an orphan.
        var rows = host.Rows($"SELECT dev_id, deleted, present, eligible, ambiguous, status, coalesce(instance_uuid, '') FROM usb_devices WHERE vendor_id = '{CrashHost.Vendor}' AND dev_id IS NOT NULL ORDER BY id")
            .GroupBy(r => r[0], StringComparer.Ordinal)
            .ToDictionary(g => PlacementNames.DeviceProvider(rootName, g.Key).ToString(), g => g.FirstOrDefault(r => r[1] == "0") ?? g.Last(), StringComparer.Ordinal);
        var claims = host.Rows("SELECT dev_id, instance_uuid, state, origin FROM assignments").ToDictionary(c => c[0], StringComparer.Ordinal);
        var consumersOf = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach ((string uuid, JsonNode provider) in ours)
        {
            consumersOf[uuid] = [.. (await placement.GetAsync($"/resource_providers/{uuid}/allocations"))["allocations"]!.AsObject().Select(kv => kv.Key.ToLowerInvariant())];
            if (provider["parent_provider_uuid"]?.GetValue<string>() != root)
            {
                problems.Add($"provider {provider["name"]} is not a child of the root {rootName}");
            }
        }

        foreach ((string uuid, string[] row) in rows)
        {
            string devId = row[0];
            bool offered = row[1] == "0" && row[2] == "1" && row[3] == "1" && row[4] == "0" && row[5] is not ("blocked" or "ambiguous" or "external" or "failed" or "deleted");
            if (!ours.ContainsKey(uuid))
            {
                if (offered)
                {
                    problems.Add($"{devId}: offered in the registry but no provider {uuid} in Placement");
                }

                continue;
            }

            string owner = row[6].Length > 0 ? row[6] : row[5] is "available" ? "" : row[5];
            bool accounted = owner.Length > 0 && consumersOf[uuid].Contains(owner.ToLowerInvariant());
            int reserved = offered && (owner.Length == 0 || accounted) ? 0 : 1;
            problems.AddRange(await InventoryProblemsAsync(placement, uuid, $"{devId} (row {(row[1] == "0" ? "live" : "deleted")}, {row[5]}{(row[2] == "1" ? "" : ", not present")})", reserved));
        }

        foreach (string orphan in ours.Keys.Where(u => !rows.ContainsKey(u)))
        {
            problems.Add($"provider {ours[orphan]["name"]} ({orphan}) of ours, named by no registry row");
        }

        // The scheduler's allocations: all there (no provider with allocations deleted), no other.
        foreach ((string devId, string consumer) in allocated)
        {
            string uuid = PlacementNames.DeviceProvider(rootName, devId).ToString();
            if (!consumersOf.TryGetValue(uuid, out List<string>? held))
            {
                problems.Add($"{devId}: its provider {uuid}, allocated to {consumer}, is gone");
            }
            else if (!held.Contains(consumer.ToLowerInvariant()))
            {
                problems.Add($"{devId}: the allocation of {consumer} is gone from its provider (holds [{string.Join(", ", held)}])");
            }
        }

        // The ledger follows: each allocation's device claimed for its consumer, each claim an allocation made backed by one.
        foreach ((string uuid, List<string> held) in consumersOf.Where(c => c.Value.Count > 0))
        {
            string devId = rows.TryGetValue(uuid, out string[]? row) ? row[0] : uuid;
            foreach (string consumer in held)
            {
                if (!allocated.Any(a => a.Key == devId && a.Value.Equals(consumer, StringComparison.OrdinalIgnoreCase)))
                {
                    problems.Add($"{devId}: an allocation of {consumer} the scheduler never wrote");
                }

                if (!claims.TryGetValue(devId, out string[]? claim) || !claim[1].Equals(consumer, StringComparison.OrdinalIgnoreCase) || claim[2] is not ("reserved" or "attached"))
                {
                    problems.Add($"{devId}: allocated to {consumer} in Placement but the ledger says {(claim is null ? "free" : $"{claim[2]} to {claim[1]}")}");
                }
            }
        }

        foreach (string[] claim in claims.Values.Where(c => c[3] == "placement"))
        {
            string uuid = PlacementNames.DeviceProvider(rootName, claim[0]).ToString();
            if (!consumersOf.TryGetValue(uuid, out List<string>? held) || !held.Contains(claim[1].ToLowerInvariant()))
            {
                problems.Add($"{claim[0]}: {claim[2]} to {claim[1]} for an allocation Placement no longer has");
            }
        }

        return problems;
    }

    private static async Task<List<string>> InventoryProblemsAsync(PlacementServer placement, string uuid, string devId, int reserved)
    {
        List<string> problems = [];
        JsonObject inventories = await placement.InventoriesAsync(uuid);
        if (inventories.Count != 1 || inventories.First().Value is not JsonNode inventory)
        {
            problems.Add($"{devId}: provider {uuid} has {inventories.Count} inventories, not 1");
            return problems;
        }

        if (inventory["total"]!.GetValue<int>() != 1 || inventory["reserved"]!.GetValue<int>() != reserved)
        {
            problems.Add($"{devId}: inventory total {inventory["total"]}, reserved {inventory["reserved"]}; want total 1, reserved {reserved}");
        }

        if (!(await placement.TraitsAsync(uuid)).Contains(PlacementNames.MarkerTrait))
        {
            problems.Add($"{devId}: provider {uuid} lacks the trait {PlacementNames.MarkerTrait}");
        }

        return problems;
    }
}
