namespace UsbPassd.Placement;

/// <summary>Gives the endpoint and a token: a fixed one (noauth2), or Keystone's (renewed on expiry and on 401).</summary>
public interface IPlacementAuth
{
    /// <summary>The current access; <paramref name="renew"/> after a 401 asks for a new token.</summary>
    Task<PlacementAccess> GetAsync(bool renew, CancellationToken cancellationToken);
}
