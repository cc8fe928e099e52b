namespace UsbPassd.Uevents;

/// <summary>Whether a pid is udevd, by its /proc comm (systemd-udevd, or eudev's udevd).</summary>
internal static class UdevdProcess
{
    private static int _lastKnown;

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

        string comm;
        try
        {
            comm = File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
        }
        catch (IOException)
        {
            return false;
        }

        // Worker processes of udevd are named after it too ("(udev-worker)" on newer systemd).
        bool udevd = comm is "systemd-udevd" or "udevd" or "(udev-worker)";
        if (udevd)
        {
            Volatile.Write(ref _lastKnown, pid);
        }

        return udevd;
    }
}
