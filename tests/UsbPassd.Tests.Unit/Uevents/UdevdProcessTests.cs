using UsbPassd.Uevents;

namespace UsbPassd.Tests.Unit.Uevents;

public class UdevdProcessTests
{
    private static bool Udevd(int pid) => pid == 135;

    [Theory]
    [InlineData("135 (systemd-udevd) S 1 135 135 0 -1 4194624 2310 0 0 0", true)]        // the main process
    [InlineData("135 (udevd) S 1 135 135 0 -1 4194624 2310 0 0 0", true)]                // eudev
    [InlineData("135 (systemd-udevd) Z 1 135 135 0 -1 4194624 2310 0 0 0", false)]       // killed, not yet reaped
    [InlineData("140 (systemd-udevd) S 135 135 135 0 -1 4194624 12 0 0 0", false)]       // a worker of an older systemd
    [InlineData("140 ((udev-worker)) S 135 135 135 0 -1 4194624 12 0 0 0", false)]       // a worker of systemd 252
    [InlineData("99 (bash) S 1 99 99 0 -1 4194304 122 0 0 0", false)]
    [InlineData("98 (a) b (systemd-udevd) S 1 98 98 0", false)]                          // COMM ends at the last ')'
    [InlineData("97 (systemd-udevd) S", false)]                                          // cut short
    [InlineData("", false)]
    public void Tells_the_main_udevd_from_its_workers_zombies_and_others(string stat, bool main) =>
        Assert.Equal(main, UdevdProcess.IsMainStat(stat, Udevd));
}
