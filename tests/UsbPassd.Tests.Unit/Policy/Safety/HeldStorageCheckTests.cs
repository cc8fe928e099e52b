using UsbPassd.Policy;
using static UsbPassd.Tests.Unit.Policy.PolicyDevices;

namespace UsbPassd.Tests.Unit.Policy;

public class HeldStorageCheckTests
{
    [Fact]
    public void A_partition_under_device_mapper_is_refused_until_held_storage_is_overridden() =>
        SafetyCheckAssert.RefusedUntilOverridden("held-storage", Stick, Using(new BlockDeviceUse("sdb3", true, BlockUse.Held, "dm-0 (luks-3f2a)")), "partition sdb3 is held by dm-0 (luks-3f2a)");

    [Fact]
    public void A_mounted_or_swap_partition_is_not_held() =>
        Assert.Empty(new HeldStorageCheck().Refuse(Stick, Using(new BlockDeviceUse("sdb1", true, BlockUse.Mounted, "/mnt/data"), new BlockDeviceUse("sdb2", true, BlockUse.Swap, "/dev/sdb2"))));
}
