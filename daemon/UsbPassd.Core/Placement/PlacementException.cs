namespace UsbPassd.Placement;

/// <summary>A failed Placement request, typed for the sync, with a message a person can act on (never a token).</summary>
public sealed class PlacementException : Exception
{
    public PlacementException(PlacementFailure failure, string message, string? code = null, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        Code = code;
    }

    public PlacementException() : this(PlacementFailure.Refused, "Placement request failed") { }

    public PlacementException(string message) : this(PlacementFailure.Refused, message) { }

    public PlacementException(string message, Exception innerException) : this(PlacementFailure.Refused, message, null, innerException) { }

    public PlacementFailure Failure { get; }

    /// <summary>Placement's error <c>code</c> (<c>placement.concurrent_update</c>, <c>placement.resource_provider.inuse</c>…) when it sent one.</summary>
    public string? Code { get; }

    /// <summary>Configuration-like failures (credentials, rights, version): retrying soon will not help; a person must act.</summary>
    public bool NeedsOperator => Failure is PlacementFailure.Unauthorized or PlacementFailure.Forbidden or PlacementFailure.Microversion;
}
