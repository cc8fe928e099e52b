namespace UsbPassd.Registry;

/// <summary>
/// The instance already holds the device beyond a reservation (attaching, attached, detaching): a
/// reserve or attach by it cannot renew that claim, since the domain's XML has (or is getting) the
/// hostdev and a claim turned back into a reservation could be released with the hostdev still there.
/// </summary>
public sealed class ClaimInUseException : Exception
{
    public ClaimInUseException() { }

    public ClaimInUseException(string message) : base(message) { }

    public ClaimInUseException(string message, Exception innerException) : base(message, innerException) { }
}
