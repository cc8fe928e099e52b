using System.Net.Http.Json;
using System.Text.Json;
using UsbPassd.Placement.Wire;

namespace UsbPassd.Placement;

/// <summary>
/// Keystone v3 password authentication (<c>POST /v3/auth/tokens</c>): the token from the
/// X-Subject-Token header, Placement's endpoint from the catalog (service type <c>placement</c>, the
/// cloud's interface and region). Renewed 5 minutes before it expires and whenever Placement says 401,
/// so a clock that jumps costs at most one refused request.
/// </summary>
public sealed class KeystoneAuth(CloudCredentials cloud, TimeProvider? clock = null) : IPlacementAuth, IDisposable
{
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(5);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly HttpClient _http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
    private readonly SemaphoreSlim _one = new(1, 1);
    private (PlacementAccess Access, DateTimeOffset Renew)? _current;

    public async Task<PlacementAccess> GetAsync(bool renew, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!renew && _current is { } c && _clock.GetUtcNow() < c.Renew)
            {
                return c.Access;
            }

            _current = await AuthenticateAsync(cancellationToken).ConfigureAwait(false);
            return _current.Value.Access;
        }
        finally
        {
            _one.Release();
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _one.Dispose();
    }

    /// <summary>The URL of the token call: auth_url with or without its /v3.</summary>
    public static Uri TokensUrl(string authUrl)
    {
        string root = authUrl.TrimEnd('/');
        return new Uri(root.EndsWith("/v3", StringComparison.Ordinal) ? root + "/auth/tokens" : root + "/v3/auth/tokens");
    }

    /// <summary>Placement's URL in a catalog: the interface asked for, the region when one is named.</summary>
    public static string? PlacementUrl(IReadOnlyList<KeystoneService> catalog, string @interface, string? region) =>
        catalog.Where(s => s.Type == "placement")
            .SelectMany(s => s.Endpoints)
            .FirstOrDefault(e => e.Interface == @interface && (region is null || e.Region == region || e.RegionId == region))?.Url;

    public static KeystoneAuthRequest Request(CloudCredentials c) => new(new KeystoneAuthBody(
        new KeystoneIdentity(["password"], new KeystonePassword(new KeystoneUser(
            c.UserId is null ? c.Username : null,
            c.UserId,
            c.Password,
            c.UserId is null ? new KeystoneNamed(c.UserDomainId is null ? c.UserDomainName ?? "Default" : null, c.UserDomainId) : null))),
        c.ProjectId is null && c.ProjectName is null ? null : new KeystoneScope(new KeystoneProject(
            c.ProjectId is null ? c.ProjectName : null,
            c.ProjectId,
            c.ProjectId is null ? new KeystoneNamed(c.ProjectDomainId is null ? c.ProjectDomainName ?? "Default" : null, c.ProjectDomainId) : null))));

    // A pooled connection Keystone's WSGI server closed after its last answer fails the next POST with
    // "the response ended prematurely", and .NET resends only a GET by itself. Once more is safe: a
    // second token request only makes a second token.
    private async Task<HttpResponseMessage> PostOnceMoreAsync(Uri url, CancellationToken ct)
    {
        for (bool resent = false; ; resent = true)
        {
            // With a Content-Length, not chunked: Keystone under a WSGI server that reads no chunked body (wsgiref, uwsgi
            // without --chunked-input) would wait for a body that never comes.
            using var body = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(Request(cloud), PlacementJson.Default.KeystoneAuthRequest));
            body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            try
            {
                return await _http.PostAsync(url, body, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (!resent && e.HttpRequestError != HttpRequestError.NameResolutionError)
            {
            }
        }
    }

    private async Task<(PlacementAccess, DateTimeOffset)> AuthenticateAsync(CancellationToken ct)
    {
        Uri url = TokensUrl(cloud.AuthUrl);
        HttpResponseMessage response;
        try
        {
            response = await PostOnceMoreAsync(url, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new PlacementException(PlacementFailure.Unreachable, $"Keystone at {url.GetLeftPart(UriPartial.Authority)} is unreachable: {e.Message}", inner: e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new PlacementException(PlacementFailure.Unreachable, $"Keystone at {url.GetLeftPart(UriPartial.Authority)} did not answer within 30 s", inner: e);
        }

        using (response)
        {
            int status = (int)response.StatusCode;
            if (status is 401 or 403)
            {
                throw new PlacementException(PlacementFailure.Unauthorized, $"Keystone at {url.GetLeftPart(UriPartial.Authority)} refused the credentials of {cloud.Username ?? cloud.UserId} ({status}): check clouds.yaml");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new PlacementException(status >= 500 ? PlacementFailure.Unreachable : PlacementFailure.Refused, $"Keystone at {url} answered {status} to the token request: check auth_url in clouds.yaml");
            }

            string? token = response.Headers.TryGetValues("X-Subject-Token", out IEnumerable<string>? values) ? values.FirstOrDefault() : null;
            KeystoneTokenResponse? body;
            try
            {
                body = await response.Content.ReadFromJsonAsync(PlacementJson.Default.KeystoneTokenResponse, ct).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                throw new PlacementException(PlacementFailure.Refused, $"{url} did not answer like Keystone v3: check auth_url in clouds.yaml", inner: e);
            }

            if (token is null || body?.Token is not KeystoneToken t)
            {
                throw new PlacementException(PlacementFailure.Refused, $"{url} answered without a token: check auth_url in clouds.yaml");
            }

            string endpoint = PlacementUrl(t.Catalog, cloud.Interface, cloud.RegionName)
                ?? throw new PlacementException(PlacementFailure.Refused, $"Keystone's catalog has no placement endpoint (interface {cloud.Interface}{(cloud.RegionName is null ? "" : $", region {cloud.RegionName}")})");
            if (EndpointRules.Problem("Placement's catalog endpoint", endpoint) is string problem)
            {
                throw new PlacementException(PlacementFailure.Refused, problem);
            }

            DateTimeOffset now = _clock.GetUtcNow();
            DateTimeOffset renew = t.ExpiresAt is DateTimeOffset expires && expires - Margin > now ? expires - Margin : now + TimeSpan.FromMinutes(1);
            return (new PlacementAccess(new Uri(endpoint), token), renew);
        }
    }
}
