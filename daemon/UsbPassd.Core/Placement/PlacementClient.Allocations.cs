using UsbPassd.Placement.Wire;

namespace UsbPassd.Placement;

/// <summary>What the daemon reads of allocations: who holds a device, and what one consumer holds.</summary>
public sealed partial class PlacementClient
{
    /// <summary>GET /allocations/{consumer}: every provider the consumer holds resources of, in any tree.</summary>
    public async Task<IReadOnlyCollection<Guid>> ProvidersOfConsumerAsync(Guid consumer, CancellationToken ct) =>
        (await SendAsync(HttpMethod.Get, $"/allocations/{consumer}", null, PlacementJson.Default.ConsumerAllocationsDoc, ct).ConfigureAwait(false))?.Allocations.Keys
            ?? (IReadOnlyCollection<Guid>)[];
}
