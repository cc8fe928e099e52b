namespace UsbPassd.Policy;

/// <summary><c>held-storage</c>: a disk or partition of the device is held by device-mapper, RAID or bcache.</summary>
internal sealed class HeldStorageCheck() : BlockUseCheck("held-storage", HostFact.Holders, BlockUse.Held);
