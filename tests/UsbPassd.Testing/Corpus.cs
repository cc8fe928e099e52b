namespace UsbPassd.Testing;

/// <summary>Where the shared corpus of real recordings is: $USBPASSD_CORPUS, else ../shared/corpus beside the checkout.</summary>
public static class Corpus
{
    public static string RepositoryRoot { get; } = FindUp("UsbPassd.sln") ?? throw new InvalidOperationException("cannot find UsbPassd.sln above " + AppContext.BaseDirectory);

    // After RepositoryRoot: static initializers run in order.
    public static string Directory { get; } = Locate();

    public static string Raw => Path.Combine(Directory, "raw");

    private static string Locate()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("USBPASSD_CORPUS");
        string path = fromEnv ?? Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "corpus"));
        return System.IO.Directory.Exists(Path.Combine(path, "raw"))
            ? path
            : throw new DirectoryNotFoundException($"corpus not found at {path}: check out ../shared beside the repository or set USBPASSD_CORPUS");
    }

    private static string? FindUp(string marker)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, marker)))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
