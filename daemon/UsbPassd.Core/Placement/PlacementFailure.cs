namespace UsbPassd.Placement;

/// <summary>Why a Placement request failed, as the sync must treat it.</summary>
public enum PlacementFailure
{
    /// <summary>Connection refused, reset, DNS, TLS, or no answer in time: Placement is down or unreachable; retry.</summary>
    Unreachable,

    /// <summary>401: the token (or the credentials behind it) is refused.</summary>
    Unauthorized,

    /// <summary>403: the token is good but may not do this (noauth2: not "admin").</summary>
    Forbidden,

    /// <summary>406, or a service whose maximum microversion is below the one we need.</summary>
    Microversion,

    /// <summary>409 <c>placement.concurrent_update</c>: a generation moved; re-read and retry.</summary>
    ConcurrentUpdate,

    /// <summary>Any other 409 (in use, duplicate name, capacity): <see cref="PlacementException.Code"/> says which.</summary>
    Conflict,

    /// <summary>404: the provider (or the URL) is not there.</summary>
    NotFound,

    /// <summary>Anything else the service answered that we cannot use (400, 5xx, a body that is not Placement's).</summary>
    Refused,
}
