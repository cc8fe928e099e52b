using UsbPassd.Uevents;

namespace UsbPassd.Tests.Unit.Uevents;

public class UdevdWatchTests
{
    // Each look: udevd's pid then (0: none), and whether the kernel's group is followed after it.
    private static List<(string? Change, bool Kernel)> Looks(int atStart, params int[] pids)
    {
        var watch = new UdevdWatch(atStart);
        return [.. pids.Select(p => (watch.Observe(p), watch.FollowsKernel))];
    }

    [Fact]
    public void A_running_udevd_that_stays_changes_nothing()
    {
        Assert.All(Looks(100, 100, 100, 100), l => Assert.Equal((null, false), l));
    }

    [Fact]
    public void Stopped_the_kernel_is_followed_at_once_and_udevd_again_once_seen_twice()
    {
        var looks = Looks(100, 0, 0, 200, 200, 200);
        Assert.Contains("pid 100) is gone", looks[0].Change);
        Assert.True(looks[0].Kernel);
        Assert.Equal((null, true), looks[1]);
        Assert.Equal((null, true), looks[2]); // just started: maybe not listening yet
        Assert.Contains("runs (pid 200)", looks[3].Change);
        Assert.False(looks[3].Kernel);
        Assert.Equal((null, false), looks[4]);
    }

    [Fact]
    public void A_restart_between_two_looks_is_a_change_too()
    {
        var looks = Looks(100, 200, 200);
        Assert.Contains("restarted (pid 100, now 200)", looks[0].Change);
        Assert.True(looks[0].Kernel);
        Assert.Contains("runs (pid 200)", looks[1].Change);
        Assert.False(looks[1].Kernel);
    }

    [Fact]
    public void A_udevd_that_dies_before_its_second_look_is_never_followed()
    {
        Assert.All(Looks(0, 300, 0, 301, 0), l => Assert.Equal((null, true), l));
    }

    [Fact]
    public void Without_udevd_at_start_the_kernel_is_followed_until_one_runs()
    {
        var looks = Looks(0, 0, 400, 400);
        Assert.Equal([(null, true), (null, true)], looks[..2]);
        Assert.Contains("runs (pid 400)", looks[2].Change);
        Assert.False(looks[2].Kernel);
    }
}
