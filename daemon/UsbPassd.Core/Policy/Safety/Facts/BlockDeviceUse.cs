namespace UsbPassd.Policy;

/// <summary>
/// A disk or partition of a USB device that the host uses. <see cref="Detail"/> says how: the mount
/// points for <see cref="BlockUse.Mounted"/>, the holders (<c>dm-0 (luks-…)</c>, <c>md127</c>) for
/// <see cref="BlockUse.Held"/>, the swap entry for <see cref="BlockUse.Swap"/>.
/// </summary>
public sealed record BlockDeviceUse(string Name, bool IsPartition, BlockUse Use, string Detail)
{
    public override string ToString() => (IsPartition ? "partition " : "disk ") + Name + Use switch
    {
        BlockUse.Mounted => $" is mounted on {Detail}",
        BlockUse.Swap => " is in use as swap",
        _ => $" is held by {Detail}",
    };
}
