using UsbPassd.Devices;

namespace UsbPassd.Policy;

/// <summary>A storage check: refuses the device for each of its disks and partitions the host uses in one way.</summary>
internal abstract class BlockUseCheck(string name, HostFact needs, BlockUse use) : SafetyCheck(name, needs)
{
    public override IEnumerable<string> Refuse(UsbDevice device, HostFacts facts) =>
        facts.BlockDevicesInUse.Where(u => u.Use == use).Select(u => u.ToString());
}
