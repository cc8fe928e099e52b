namespace UsbPassd.Uevents;

/// <summary>Whether a pid is udevd, by its /proc comm (systemd-udevd, or eudev's udevd).</summary>
public static class UdevdProcess
{
    private static int _lastKnown;

    /// <summary>Whether udevd runs on this host now (any process named like it).</summary>
    public static bool Running() =>
        Directory.EnumerateDirectories("/proc").Any(d => int.TryParse(Path.GetFileName(d), out int pid) && IsNamed(pid));

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
    private static bool IsNamed(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n') is "systemd-udevd" or "udevd" or "(udev-worker)";
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
