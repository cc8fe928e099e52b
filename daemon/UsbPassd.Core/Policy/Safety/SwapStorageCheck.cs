namespace UsbPassd.Policy;

/// <summary><c>swap-storage</c>: a disk or partition of the device is the host's swap.</summary>
internal sealed class SwapStorageCheck() : BlockUseCheck("swap-storage", HostFact.Swaps, BlockUse.Swap);
