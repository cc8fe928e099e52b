namespace UsbPassd.Policy;

/// <summary>One host safety check that refuses a device, and why in words ("partition sdb1 is mounted on /mnt/data").</summary>
public sealed record SafetyRefusal(SafetyCheck Check, string Reason)
{
    public override string ToString() => $"{Reason} ({Check.Name})";
}
