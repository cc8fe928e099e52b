namespace UsbPassd.Registry;

/// <summary>The registry file cannot be used as it is; the message says what to do. The file is left untouched.</summary>
public sealed class RegistryException : Exception
{
    public RegistryException() { }

    public RegistryException(string message) : base(message) { }

    public RegistryException(string message, Exception innerException) : base(message, innerException) { }
}
