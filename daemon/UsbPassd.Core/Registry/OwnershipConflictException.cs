namespace UsbPassd.Registry;

/// <summary>Another instance owns the device; the message names the owner and since when.</summary>
public sealed class OwnershipConflictException : Exception
{
    public OwnershipConflictException(string message, Claim owner) : base(message) => Owner = owner;

    public OwnershipConflictException() => Owner = null;

    public OwnershipConflictException(string message) : base(message) => Owner = null;

    public OwnershipConflictException(string message, Exception innerException) : base(message, innerException) => Owner = null;

    public Claim? Owner { get; }
}
