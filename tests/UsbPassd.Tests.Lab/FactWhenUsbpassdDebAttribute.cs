namespace UsbPassd.Tests.Lab;

/// <summary>
/// A fact that needs the usbpassd .deb (issue 8's <c>make packages</c>): <c>$USBPASSD_DEB</c>, else
/// the newest <c>build/packages/usbpassd_*.deb</c>. Skipped, saying so, until one is built.
/// </summary>
public sealed class FactWhenUsbpassdDebAttribute : FactAttribute
{
    public FactWhenUsbpassdDebAttribute()
    {
        if (Find() is null)
        {
            Skip = "no usbpassd .deb yet: run `make packages` (build/packages/usbpassd_*.deb) or set USBPASSD_DEB";
        }
    }

    public static string? Find()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("USBPASSD_DEB");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return File.Exists(fromEnv) ? fromEnv : null;
        }

        var dir = new DirectoryInfo(Path.Combine(UsbPassd.Testing.Corpus.RepositoryRoot, "build", "packages"));
        return dir.Exists ? dir.GetFiles("usbpassd_*.deb").OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault()?.FullName : null;
    }
}
