using System.Collections.Immutable;
using UsbPassd.Placement;

namespace UsbPassd.Testing.Fleet;

/// <summary>
/// Made-up hosts for the fleet tests and bench: each host's devices are real device identities from
/// the corpus recordings (vendor, product, interface classes; hubs left out), with serials made unique
/// per host, turned into <see cref="DeviceOffer"/>s as the daemon's <see cref="DeviceOffers"/> would,
/// and synced by a real <see cref="PlacementSync"/> (one per host: one sync agent, one root).
/// </summary>
public static class FleetHosts
{
    private static readonly Lazy<IReadOnlyList<DeviceFact>> All = new(() => [.. CorpusFacts.Recordings
        .SelectMany(r => r.Devices)
        .Where(d => d.VendorId is { Length: 4 } && d.ProductId is { Length: 4 } && d.IsHub != true && d.DeviceClass != "09" && !(d.VendorId == "1d6b"))
        .DistinctBy(d => (d.VendorId!.ToLowerInvariant(), d.ProductId!.ToLowerInvariant()))]);

    /// <summary>Distinct recorded models (vendor:product), hubs and root hubs left out.</summary>
    public static IReadOnlyList<DeviceFact> Identities => All.Value;

    public static string RootName(string prefix, int host) => $"{prefix}-{host:D4}";

    /// <summary>The serial of device <paramref name="index"/> of host <paramref name="host"/>: only A-Z and 0-9, so its trait is exact.</summary>
    public static string Serial(int host, int index) => $"FLEET{host:D4}D{index:D2}";

    /// <summary>Device <paramref name="index"/> of a host: identity <c>index mod identities</c>, a unique serial, the extra traits (labels…).</summary>
    public static DeviceOffer Offer(string root, int host, int index, IEnumerable<string>? extraTraits = null, bool offered = true)
    {
        DeviceFact id = Identities[index % Identities.Count];
        string vid = id.VendorId!.ToLowerInvariant(), pid = id.ProductId!.ToLowerInvariant();
        string devId = $"{vid}:{pid}:{Serial(host, index)}";
        Guid uuid = PlacementNames.DeviceProvider(root, devId);
        ImmutableSortedSet<string>.Builder traits = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
        traits.Add(PlacementNames.MarkerTrait);
        traits.Add(PlacementNames.SerialTrait(Serial(host, index))!);
        foreach (string c in id.InterfaceClasses ?? [])
        {
            traits.Add(PlacementNames.ClassTrait(c));
        }

        traits.UnionWith(extraTraits ?? []);
        return new DeviceOffer(devId, uuid, PlacementNames.DeviceProviderName(root, vid, pid, uuid), PlacementNames.ResourceClass(vid, pid), traits.ToImmutable(), offered, null);
    }

    /// <summary>The class of identity <paramref name="index"/> (device <c>index</c> of every host has it).</summary>
    public static string ResourceClass(int index) => PlacementNames.ResourceClass(Identities[index % Identities.Count].VendorId!, Identities[index % Identities.Count].ProductId!);

    /// <summary>One host's sync agent: connects (root created), takes the offers and converges; returns it for later changes.</summary>
    public static async Task<PlacementSync> SyncAsync(PlacementClient client, string root, IEnumerable<DeviceOffer> offers, CancellationToken ct = default)
    {
        var sync = new PlacementSync(client, root, "fleet", cacheFile: null);
        long row = 1;
        foreach (DeviceOffer offer in offers)
        {
            sync.Want(row++, offer, deleted: false);
        }

        await ConvergeAsync(sync, connect: true, ct);
        return sync.Failed.Count == 0 ? sync : throw new InvalidOperationException($"{root}: Placement refused {sync.Failed.Count} devices: {sync.Failed.Values.First()}");
    }

    /// <summary>
    /// Sends what is pending (after connecting, the first time). wsgiref now and then closes a connection
    /// before it reads the request ("response ended prematurely", nothing in its log): the daemon's sync
    /// would reconnect and resume after a pause, and so does this agent, up to 5 times.
    /// </summary>
    public static async Task ConvergeAsync(PlacementSync sync, bool connect = false, CancellationToken ct = default)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (connect || attempt > 1)
                {
                    await sync.ConnectAsync(ct);
                }

                await sync.ConvergeAsync(ct);
                return;
            }
            catch (PlacementException e) when (e.Failure == PlacementFailure.Unreachable && attempt < 5)
            {
                await Task.Delay(50 * attempt, ct);
            }
        }
    }
}
