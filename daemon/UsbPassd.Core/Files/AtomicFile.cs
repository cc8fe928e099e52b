using System.Security.Cryptography;
using System.Text;
using UsbPassd.Interop;
using static UsbPassd.Interop.Interop;

namespace UsbPassd.Files;

/// <summary>
/// Replaces a file as a whole, also in a directory that others may write to (node_exporter's textfile
/// directory often belongs to its own user; usbpassd writes there as root). The content goes to a new
/// file beside the target, created with O_CREAT|O_EXCL|O_NOFOLLOW under a random name: a symlink
/// planted there is never followed (root once overwrote a file elsewhere through <c>FILE.tmp</c>), and
/// a name that is taken only makes this write fail. Its mode is set with fchmod, so the umask of the
/// service (0077) does not decide who may read it. Then it is renamed over the target: rename replaces
/// a symlink at the target instead of following it, and readers see the old file or the new one,
/// never half. No fsync: the writers so far rewrite their file every few seconds and need no
/// durability across a crash.
/// </summary>
public static class AtomicFile
{
    /// <exception cref="IOException">The file could not be written; the target is unchanged and no temporary file is left.</exception>
    /// <exception cref="UnauthorizedAccessException">The same, when the rename is refused (EACCES, EPERM).</exception>
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        string full = Path.GetFullPath(path);
        string name = $".{Path.GetFileName(full)}.{RandomNumberGenerator.GetHexString(16, lowercase: true)}.tmp";
        Write(full, content, mode, Path.Combine(Path.GetDirectoryName(full)!, name));
    }

    /// <summary><see cref="Write(string, ReadOnlySpan{byte}, UnixFileMode)"/> through a given temporary name (tests plant links there).</summary>
    internal static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode, string temporary)
    {
        // Only the owner may open it until its mode is set: nobody reads a file that is still being written.
        using SafeFdHandle fd = Libc.OpenAt(null, Encoding.UTF8.GetBytes(temporary + "\0"), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW, out int errno, mode: (int)(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        if (fd.IsInvalid)
        {
            // Without the random part: a failure says the same each time it recurs.
            throw new IOException($"cannot create a temporary file in {Path.GetDirectoryName(temporary)}: {Libc.StrError(errno)}");
        }

        try
        {
            Check(Libc.FChmod(fd, mode), "set the mode of");
            Check(Libc.WriteAll(fd, content), "write");
            fd.Dispose();
            File.Move(temporary, path, overwrite: true); // rename(2)
        }
        catch
        {
            Remove(temporary);
            throw;
        }

        void Check(int result, string what)
        {
            if (result < 0)
            {
                throw new IOException($"cannot {what} the temporary file for {path}: {Libc.StrError(-result)}");
            }
        }
    }

    private static void Remove(string temporary)
    {
        try
        {
            File.Delete(temporary); // unlink(2): removes the name, follows nothing
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The write's own error is the one to report.
        }
    }
}
