using UsbPassd.Policy;
using static UsbPassd.Tests.Unit.Policy.PolicyDevices;

namespace UsbPassd.Tests.Unit.Policy;

public class MountedStorageCheckTests
{
    [Fact]
    public void The_mounted_stick_of_the_brief_reads_as_asked()
    {
        HostFacts facts = Using(new BlockDeviceUse("sdb1", true, BlockUse.Mounted, "/mnt/data"));

        Assert.StartsWith("refused: partition sdb1 is mounted on /mnt/data", DevicePolicy.Default.Evaluate(Stick, facts).Reason, StringComparison.Ordinal);
        SafetyCheckAssert.RefusedUntilOverridden("mounted-storage", Stick, facts, "partition sdb1 is mounted on /mnt/data");
    }

    [Fact]
    public void Each_mounted_disk_or_partition_is_a_reason_and_other_uses_are_not()
    {
        HostFacts facts = Using(
            new BlockDeviceUse("sdb", false, BlockUse.Mounted, "/media/stick"),
            new BlockDeviceUse("sdb1", true, BlockUse.Swap, "/dev/sdb1"),
            new BlockDeviceUse("sdb2", true, BlockUse.Mounted, "/mnt/a, /mnt/b"));

        Assert.Equal(["disk sdb is mounted on /media/stick", "partition sdb2 is mounted on /mnt/a, /mnt/b"], new MountedStorageCheck().Refuse(Stick, facts));
    }
}
