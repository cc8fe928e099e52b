using static UsbPassd.Interop.Interop;

namespace UsbPassd.Devices;

/// <summary>A sysfs attribute that exists but could not be read.</summary>
public sealed class SysfsException : IOException
{
    public SysfsException(string attribute, int errno)
        : base($"cannot read {attribute}: {Libc.StrError(errno)}")
    {
        Attribute = attribute;
        Errno = errno;
    }

    public SysfsException() { Attribute = string.Empty; }

    public SysfsException(string message) : base(message) { Attribute = string.Empty; }

    public SysfsException(string message, Exception innerException) : base(message, innerException) { Attribute = string.Empty; }

    public string Attribute { get; }

    public int Errno { get; }
}
