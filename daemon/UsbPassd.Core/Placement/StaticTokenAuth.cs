namespace UsbPassd.Placement;

/// <summary>A configured endpoint and token (noauth2 deployments and tests: <c>admin</c>).</summary>
public sealed class StaticTokenAuth(Uri endpoint, string token) : IPlacementAuth
{
    private readonly PlacementAccess _access = new(endpoint, token);

    public Task<PlacementAccess> GetAsync(bool renew, CancellationToken cancellationToken) => Task.FromResult(_access);
}
