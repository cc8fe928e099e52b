namespace UsbPassd.Registry;

/// <summary>
/// A caller named its reservation by fencing token, and that reservation is over: expired, released,
/// or taken over. Acting as if the device were free would defeat the token.
/// </summary>
public sealed class ReservationGoneException : Exception
{
    public ReservationGoneException() { }

    public ReservationGoneException(string message) : base(message) { }

    public ReservationGoneException(string message, Exception innerException) : base(message, innerException) { }
}
