using UsbPassd.Uevents;

namespace UsbPassd.Tests.Unit.Uevents;

public class UeventTrustTests
{
    private static bool Udevd(int pid) => pid == 321;

    [Theory]
    [InlineData(UeventGroup.Kernel, 0u, 0u, 0, null)]
    [InlineData(UeventGroup.Kernel, 4242u, 0u, 4242, "not the kernel")]          // root, but a process: unicast forgery
    [InlineData(UeventGroup.Kernel, 0u, 1000u, 0, "uid 1000 is not root")]
    [InlineData(UeventGroup.Udev, 321u, 0u, 321, null)]
    [InlineData(UeventGroup.Udev, 555u, 0u, 555, "pid 555 is not udevd")]        // another root process
    [InlineData(UeventGroup.Udev, 321u, 65534u, 321, "uid 65534 is not root")]
    public void Accepts_only_the_kernel_and_roots_udevd(UeventGroup group, uint port, uint uid, int pid, string? refusal)
    {
        string? why = UeventTrust.Refusal(group, port, uid, pid, Udevd);
        if (refusal is null)
        {
            Assert.Null(why);
        }
        else
        {
            Assert.Contains(refusal, why);
        }
    }

    [Fact]
    public void A_message_without_credentials_is_refused() =>
        Assert.Equal("no sender credentials", UeventTrust.Refusal(UeventGroup.Kernel, 0, null, 0, Udevd));
}
