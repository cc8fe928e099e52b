namespace UsbPassd.Uevents;

/// <summary>Whether a pid is udevd, by its /proc comm (systemd-udevd, or eudev's udevd).</summary>
public static class UdevdProcess
{
    private static int _lastKnown;
    private static int _lastMain;

    /// <summary>
    /// The pid of udevd's main process, 0 when none runs. Cheap while it runs (one /proc read, the
    /// pid last found); a walk of /proc while it does not. Workers are left out: they come and go
    /// with the work, and their coming and going is not udevd's.
    /// </summary>
    public static int MainPid()
    {
        int last = Volatile.Read(ref _lastMain);
        if (last > 0 && IsMain(last))
        {
            return last;
        }

        foreach (string d in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(d), out int pid) && IsMain(pid))
            {
                Volatile.Write(ref _lastMain, pid);
                return pid;
            }
        }

        return 0;
    }

    public static bool Is(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        if (pid == Volatile.Read(ref _lastKnown))
        {
            return true;
        }

        bool udevd = IsNamed(pid);
        if (udevd)
        {
            Volatile.Write(ref _lastKnown, pid);
        }

        return udevd;
    }

    // Worker processes of udevd are named after it too ("(udev-worker)" on newer systemd).
    private static bool IsNamed(int pid) => Comm(pid) is "systemd-udevd" or "udevd" or "(udev-worker)";

    private static string? Comm(int pid) => Read($"/proc/{pid}/comm")?.TrimEnd('\n');

    private static bool IsMain(int pid) => Read($"/proc/{pid}/stat") is string stat && IsMainStat(stat, IsNamed);

    /// <summary>
    /// Whether a /proc/PID/stat line ("PID (COMM) STATE PPID ...") is udevd's main process: a zombie
    /// is not running, whoever has yet to reap it, and a udevd whose parent is udevd is a worker
    /// (older systemd did not rename them). COMM may hold spaces and parentheses: it ends at the last ')'.
    /// </summary>
    internal static bool IsMainStat(string stat, Func<int, bool> parentIsUdevd)
    {
        int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
        if (open < 0 || close < open || close + 4 >= stat.Length
            || stat[(open + 1)..close] is not ("systemd-udevd" or "udevd") || stat[close + 2] == 'Z')
        {
            return false;
        }

        ReadOnlySpan<char> rest = stat.AsSpan(close + 4);
        int end = rest.IndexOf(' ');
        return !int.TryParse(end < 0 ? rest : rest[..end], out int parent) || !parentIsUdevd(parent);
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
