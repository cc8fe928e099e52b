using System.Text;
using UsbPassd.Interop;
using static UsbPassd.Interop.Interop;

namespace UsbPassd.Devices;

/// <summary>
/// An open sysfs device directory. Attributes are read with openat(2) relative to it: one path
/// component per attribute instead of re-walking the symlinked path each time, and an absent
/// attribute is an errno, not an exception (absent serials are common).
/// </summary>
internal sealed class SysfsDirectory : IDisposable
{
    private readonly SafeFdHandle _fd;

    private SysfsDirectory(SafeFdHandle fd) => _fd = fd;

    /// <summary>Opens a directory, following symlinks; null with the errno when that fails.</summary>
    public static SysfsDirectory? TryOpen(string path, out int errno)
    {
        int length = Encoding.UTF8.GetByteCount(path);
        Span<byte> pathZ = length < 512 ? stackalloc byte[length + 1] : new byte[length + 1];
        Encoding.UTF8.GetBytes(path, pathZ);
        pathZ[length] = 0;
        SafeFdHandle fd = Libc.OpenAt(null, pathZ, Libc.O_RDONLY | Libc.O_DIRECTORY, out errno);
        if (fd.IsInvalid)
        {
            fd.Dispose();
            return null;
        }

        return new SysfsDirectory(fd);
    }

    /// <summary>Reads an attribute into <paramref name="buffer"/>: the byte count, -1 when it does not exist.</summary>
    /// <exception cref="SysfsException">The attribute exists but cannot be read.</exception>
    public int Read(ReadOnlySpan<byte> nameZ, Span<byte> buffer)
    {
        using SafeFdHandle file = Libc.OpenAt(_fd, nameZ, Libc.O_RDONLY, out int errno);
        if (file.IsInvalid)
        {
            if (errno == Errno.ENOENT)
            {
                return -1;
            }

            throw new SysfsException(SysfsAttributes.Name(nameZ), errno);
        }

        int n = Libc.ReadToEnd(file, buffer);
        if (n < 0)
        {
            // Some attributes fail on read, not on open (EIO from a device that went away mid-scan).
            throw new SysfsException(SysfsAttributes.Name(nameZ), -n);
        }

        return n;
    }

    /// <summary>A text attribute decoded by <see cref="SysfsText"/>; null when it does not exist.</summary>
    public string? ReadText(ReadOnlySpan<byte> nameZ, Span<byte> buffer)
    {
        int n = Read(nameZ, buffer);
        return n < 0 ? null : SysfsText.Decode(buffer[..n]);
    }

    public void Dispose() => _fd.Dispose();
}
