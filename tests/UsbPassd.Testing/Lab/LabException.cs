namespace UsbPassd.Testing.Lab;

/// <summary>The lab itself failed (assets, boot, agent); the message carries the console tail and what to do.</summary>
public sealed class LabException : Exception
{
    public LabException() { }

    public LabException(string message) : base(message) { }

    public LabException(string message, Exception innerException) : base(message, innerException) { }
}
