namespace UsbPassd.Libvirt;

/// <summary>A libvirt call failed; <see cref="Code"/> is libvirt's virErrorNumber, the message libvirt's own.</summary>
public sealed class LibvirtException : Exception
{
    public const int NoDomain = 42;
    public const int OperationInvalid = 55;

    public LibvirtException(string operation, int code, string message) : base($"{operation}: {message}") => Code = code;

    public LibvirtException() { }

    public LibvirtException(string message) : base(message) { }

    public LibvirtException(string message, Exception innerException) : base(message, innerException) { }

    public int Code { get; }
}
