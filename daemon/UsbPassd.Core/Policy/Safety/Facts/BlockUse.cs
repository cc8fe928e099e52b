namespace UsbPassd.Policy;

/// <summary>How the host uses a block device.</summary>
public enum BlockUse
{
    Mounted,
    Swap,
    Held,
}
