using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using UsbPassd.Placement.Wire;

namespace UsbPassd.Placement;

/// <summary>
/// The Placement calls the sync makes, at microversion 1.39 (nested providers in candidates from
/// 1.29, <c>consumer_type</c> from 1.38; Debian's Placement 8.0 speaks up to 1.39). Every failure is a
/// <see cref="PlacementException"/> with a kind the sync can act on; a 401 renews the token once.
/// </summary>
public sealed partial class PlacementClient : IDisposable
{
    public const string Microversion = "1.39";
    public static readonly Version NeededVersion = new(1, 39);

    private readonly HttpClient _http;
    private readonly IPlacementAuth _auth;
    private long _requests;

    public PlacementClient(IPlacementAuth auth, TimeSpan? timeout = null)
    {
        _auth = auth;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = false, // a redirect would carry the token elsewhere
        })
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>Requests sent so far (retries and token renewals included): the sync's cost, for tests and metrics.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>GET /: fails with <see cref="PlacementFailure.Microversion"/> when the service is older than we need.</summary>
    public async Task<Version> CheckVersionAsync(CancellationToken ct)
    {
        VersionsDoc doc = await SendAsync(HttpMethod.Get, "/", null, PlacementJson.Default.VersionsDoc, ct).ConfigureAwait(false)
            ?? throw new PlacementException(PlacementFailure.Refused, "GET / answered no version document: is this Placement?");
        string? max = doc.Versions.Select(v => v.MaxVersion).FirstOrDefault(v => v is not null);
        if (max is null || !Version.TryParse(max, out Version? version))
        {
            throw new PlacementException(PlacementFailure.Refused, $"{await EndpointAsync(ct).ConfigureAwait(false)} does not look like Placement: GET / names no max_version");
        }

        return version >= NeededVersion
            ? version
            : throw new PlacementException(PlacementFailure.Microversion, $"Placement at {await EndpointAsync(ct).ConfigureAwait(false)} speaks microversions up to {max}; usbpassd needs {Microversion} (Placement 8.0 / Zed or later)");
    }

    public async Task<ProviderDoc?> FindProviderAsync(string name, CancellationToken ct)
    {
        ProviderListDoc? list = await SendAsync(HttpMethod.Get, "/resource_providers?name=" + Uri.EscapeDataString(name), null, PlacementJson.Default.ProviderListDoc, ct).ConfigureAwait(false);
        return list?.ResourceProviders is [ProviderDoc first, ..] ? first : null;
    }

    /// <summary>Every provider of the root's tree, the root included, with its generation: one request however many devices.</summary>
    public async Task<IReadOnlyList<ProviderDoc>> TreeAsync(Guid root, CancellationToken ct) =>
        (await SendAsync(HttpMethod.Get, $"/resource_providers?in_tree={root}", null, PlacementJson.Default.ProviderListDoc, ct).ConfigureAwait(false))?.ResourceProviders ?? [];

    public async Task<ProviderDoc> CreateProviderAsync(string name, Guid uuid, Guid? parent, CancellationToken ct) =>
        await SendAsync(HttpMethod.Post, "/resource_providers", JsonContent.Create(new NewProviderDoc(name, uuid, parent), PlacementJson.Default.NewProviderDoc), PlacementJson.Default.ProviderDoc, ct).ConfigureAwait(false)
            ?? throw new PlacementException(PlacementFailure.Refused, "POST /resource_providers answered no provider");

    public Task<InventoriesDoc?> InventoriesAsync(Guid provider, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"/resource_providers/{provider}/inventories", null, PlacementJson.Default.InventoriesDoc, ct);

    /// <summary>Replaces the provider's inventories; returns the new generation.</summary>
    public async Task<long> PutInventoriesAsync(Guid provider, InventoriesDoc doc, CancellationToken ct) =>
        (await SendAsync(HttpMethod.Put, $"/resource_providers/{provider}/inventories", JsonContent.Create(doc, PlacementJson.Default.InventoriesDoc), PlacementJson.Default.InventoriesDoc, ct).ConfigureAwait(false))?.ResourceProviderGeneration
            ?? throw new PlacementException(PlacementFailure.Refused, "PUT inventories answered no generation");

    public Task<TraitsDoc?> TraitsAsync(Guid provider, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"/resource_providers/{provider}/traits", null, PlacementJson.Default.TraitsDoc, ct);

    /// <summary>Replaces the provider's traits; returns the new generation.</summary>
    public async Task<long> PutTraitsAsync(Guid provider, TraitsDoc doc, CancellationToken ct) =>
        (await SendAsync(HttpMethod.Put, $"/resource_providers/{provider}/traits", JsonContent.Create(doc, PlacementJson.Default.TraitsDoc), PlacementJson.Default.TraitsDoc, ct).ConfigureAwait(false))?.ResourceProviderGeneration
            ?? throw new PlacementException(PlacementFailure.Refused, "PUT traits answered no generation");

    public Task<AllocationsDoc?> AllocationsAsync(Guid provider, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"/resource_providers/{provider}/allocations", null, PlacementJson.Default.AllocationsDoc, ct);

    /// <summary>PUT /traits/{name}: idempotent (201 created, 204 there already).</summary>
    public Task EnsureTraitAsync(string name, CancellationToken ct) =>
        SendAsync<object>(HttpMethod.Put, "/traits/" + name, null, null, ct);

    /// <summary>PUT /resource_classes/{name}: idempotent.</summary>
    public Task EnsureResourceClassAsync(string name, CancellationToken ct) =>
        SendAsync<object>(HttpMethod.Put, "/resource_classes/" + name, null, null, ct);

    public void Dispose() => _http.Dispose();

    private async Task<Uri> EndpointAsync(CancellationToken ct) => (await _auth.GetAsync(renew: false, ct).ConfigureAwait(false)).Endpoint;

    internal async Task<T?> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T>? answer, CancellationToken ct)
    {
        byte[]? body = content is null ? null : await content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        bool renewed = false, resent = false;
        while (true)
        {
            PlacementAccess access = await _auth.GetAsync(renew: renewed, ct).ConfigureAwait(false);
            var url = new Uri(access.Endpoint.ToString().TrimEnd('/') + path);
            using var request = new HttpRequestMessage(method, url);
            request.Headers.Add("OpenStack-API-Version", "placement " + Microversion);
            request.Headers.Add("X-Auth-Token", access.Token);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }

            Interlocked.Increment(ref _requests);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (!resent && e.HttpRequestError != HttpRequestError.NameResolutionError)
            {
                // A pooled connection the server closed after its last answer (Placement's own
                // HTTP/1.0 server does, and a relay may deliver the close late): .NET resends a GET by
                // itself, not a POST or PUT. Once is safe here: a provider created twice is a 409
                // duplicate the sync reads back, a write at a stale generation a 409 it retries.
                resent = true;
                continue;
            }
            catch (HttpRequestException e)
            {
                throw new PlacementException(PlacementFailure.Unreachable, $"Placement at {access.Endpoint} is unreachable: {e.Message}", inner: e);
            }
            catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
            {
                throw new PlacementException(PlacementFailure.Unreachable, $"Placement at {access.Endpoint} did not answer {method} {Redacted(path)} within {_http.Timeout.TotalSeconds:0} s", inner: e);
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.Unauthorized && !renewed)
                {
                    renewed = true;
                    continue; // the token expired or was revoked: renew once
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw await FailureAsync(response, method, path, access.Endpoint, ct).ConfigureAwait(false);
                }

                if (answer is null || response.StatusCode == HttpStatusCode.NoContent)
                {
                    return default;
                }

                try
                {
                    return await response.Content.ReadFromJsonAsync(answer, ct).ConfigureAwait(false);
                }
                catch (JsonException e)
                {
                    throw new PlacementException(PlacementFailure.Refused, $"{access.Endpoint} answered {method} {Redacted(path)} with something that is not Placement's JSON: check placement.endpoint", inner: e);
                }
            }
        }
    }

    private static async Task<PlacementException> FailureAsync(HttpResponseMessage response, HttpMethod method, string path, Uri endpoint, CancellationToken ct)
    {
        string text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        ErrorDoc? error = null;
        try
        {
            error = JsonSerializer.Deserialize(text, PlacementJson.Default.ErrorsDoc)?.Errors is [ErrorDoc first, ..] ? first : null;
        }
        catch (JsonException)
        {
            // not Placement's error shape (a proxy's page, a wrong URL): said below by status
        }

        int status = (int)response.StatusCode;
        string call = $"{method} {Redacted(path)}";
        string detail = error?.Detail is { Length: > 0 } d ? Shorten(d) : $"HTTP {status}";
        return status switch
        {
            401 => new PlacementException(PlacementFailure.Unauthorized, $"Placement at {endpoint} refused the token (401) for {call}: check placement.token, or the cloud's credentials in clouds.yaml", error?.Code),
            403 => new PlacementException(PlacementFailure.Forbidden, $"Placement at {endpoint} does not allow {call} with this token (403: {detail}); the sync needs an admin token (noauth2: 'admin')", error?.Code),
            406 => new PlacementException(PlacementFailure.Microversion, $"Placement at {endpoint} does not accept microversion {Microversion} (406: {detail}); usbpassd needs Placement 8.0 / Zed or later", error?.Code),
            409 when error?.Code == "placement.concurrent_update" => new PlacementException(PlacementFailure.ConcurrentUpdate, $"{call}: {detail}", error.Code),
            409 => new PlacementException(PlacementFailure.Conflict, $"{call}: {detail} ({error?.Code ?? "no code"})", error?.Code),
            404 when path == "/" => new PlacementException(PlacementFailure.NotFound, $"{endpoint} does not look like Placement (GET / answered 404): check placement.endpoint"),
            404 => new PlacementException(PlacementFailure.NotFound, $"{call}: not found (404: {detail})", error?.Code),
            >= 500 => new PlacementException(PlacementFailure.Unreachable, $"Placement at {endpoint} failed {call} ({status}: {detail})", error?.Code),
            _ => new PlacementException(PlacementFailure.Refused, $"Placement at {endpoint} refused {call} ({status}: {detail})", error?.Code),
        };
    }

    // Query strings can hold a host name or a trait, never a secret; still, keep log lines short.
    private static string Redacted(string path) => path.Length > 120 ? path[..120] + "…" : path;

    private static string Shorten(string detail)
    {
        string oneLine = string.Join(' ', detail.Split(['\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return oneLine.Length > 300 ? oneLine[..300] + "…" : oneLine;
    }
}
