using UsbPassd.Policy;
using static UsbPassd.Tests.Unit.Policy.PolicyDevices;

namespace UsbPassd.Tests.Unit.Policy;

public class SwapStorageCheckTests
{
    [Fact]
    public void Swap_on_the_device_is_refused_until_swap_storage_is_overridden() =>
        SafetyCheckAssert.RefusedUntilOverridden("swap-storage", Stick, Using(new BlockDeviceUse("sdb2", true, BlockUse.Swap, "/dev/sdb2")), "partition sdb2 is in use as swap");

    [Fact]
    public void A_mounted_or_held_partition_is_not_swap() =>
        Assert.Empty(new SwapStorageCheck().Refuse(Stick, Using(new BlockDeviceUse("sdb1", true, BlockUse.Mounted, "/mnt/data"), new BlockDeviceUse("sdb3", true, BlockUse.Held, "md127"))));
}
