namespace UsbPassd.Policy;

/// <summary><c>mounted-storage</c>: a disk or partition of the device is mounted on the host.</summary>
internal sealed class MountedStorageCheck() : BlockUseCheck("mounted-storage", HostFact.Mounts, BlockUse.Mounted);
