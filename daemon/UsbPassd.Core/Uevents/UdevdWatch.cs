namespace UsbPassd.Uevents;

/// <summary>
/// Which netlink group to believe, decided from successive looks at udevd's pid (0: not running).
/// udev's group is silent while udevd is down, and udevd does not replay what the kernel said
/// meanwhile when it starts again: following only its group, the registry kept a pulled device
/// and never learnt of a plugged one. So while udevd is not (yet) known to run, the kernel's group
/// is followed; every change of what is followed is reported, because events may have fallen
/// between the two (udevd killed with an event in hand, a restart between two looks), and only a
/// rescan of sysfs can tell. A new udevd is believed only once it has been seen at two looks in a
/// row: a moment after its start it may not have bound its own socket yet, and what the kernel
/// says in that moment would reach neither group we follow.
/// </summary>
public sealed class UdevdWatch(int udevdPid)
{
    private int _candidate;

    /// <summary>The udevd whose group is followed; 0 while the kernel's group is.</summary>
    public int Pid { get; private set; } = udevdPid;

    public bool FollowsKernel => Pid == 0;

    /// <summary>Takes one look (<paramref name="now"/>: udevd's pid, 0 when none runs); returns what changed, null when nothing did.</summary>
    public string? Observe(int now)
    {
        if (Pid != 0)
        {
            if (now == Pid)
            {
                return null;
            }

            int was = Pid;
            Pid = 0;
            _candidate = now;
            return now == 0
                ? $"udevd (pid {was}) is gone: following the kernel's uevents until it runs again"
                : $"udevd restarted (pid {was}, now {now}): following the kernel's uevents until the new one has settled";
        }

        if (now == 0 || now != _candidate)
        {
            _candidate = now;
            return null;
        }

        Pid = now;
        _candidate = 0;
        return $"udevd runs (pid {now}): following its uevents again";
    }
}
