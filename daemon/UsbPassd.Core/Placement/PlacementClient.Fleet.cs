using System.Net.Http.Json;
using UsbPassd.Placement.Wire;

namespace UsbPassd.Placement;

/// <summary>The fleet view's and the reference scheduler's calls (docs/placement.md, "Fleet commands").</summary>
public sealed partial class PlacementClient
{
    /// <summary>GET /resource_providers?<paramref name="query"/> (e.g. <c>required=A,B</c>, <c>required=!A</c>, <c>name=N</c>): one request.</summary>
    public async Task<IReadOnlyList<ProviderDoc>> ProvidersAsync(string query, CancellationToken ct) =>
        (await SendAsync(HttpMethod.Get, "/resource_providers?" + query, null, FleetJson.Default.ProviderListDoc, ct).ConfigureAwait(false))?.ResourceProviders ?? [];

    /// <summary>GET /allocation_candidates?<paramref name="query"/>.</summary>
    public async Task<FleetCandidatesDoc> CandidatesAsync(string query, CancellationToken ct) =>
        await SendAsync(HttpMethod.Get, "/allocation_candidates?" + query, null, FleetJson.Default.FleetCandidatesDoc, ct).ConfigureAwait(false)
            ?? new FleetCandidatesDoc();

    /// <summary>PUT /allocations/{consumer}: 204, or 409 (capacity, a generation, a consumer that already holds allocations).</summary>
    public Task PutAllocationsAsync(Guid consumer, FleetAllocationsDoc doc, CancellationToken ct) =>
        SendAsync<object>(HttpMethod.Put, $"/allocations/{consumer}", JsonContent.Create(doc, FleetJson.Default.FleetAllocationsDoc), null, ct);

    /// <summary>DELETE /allocations/{consumer}: 204, or 404 when it holds none.</summary>
    public Task DeleteAllocationsAsync(Guid consumer, CancellationToken ct) =>
        SendAsync<object>(HttpMethod.Delete, $"/allocations/{consumer}", null, null, ct);

    /// <summary>GET /allocations/{consumer}: what it holds, by provider.</summary>
    public async Task<FleetConsumerDoc> ConsumerAllocationsAsync(Guid consumer, CancellationToken ct) =>
        await SendAsync(HttpMethod.Get, $"/allocations/{consumer}", null, FleetJson.Default.FleetConsumerDoc, ct).ConfigureAwait(false) ?? new FleetConsumerDoc();
}
