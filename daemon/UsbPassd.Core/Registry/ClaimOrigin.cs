namespace UsbPassd.Registry;

/// <summary>
/// Who a claim answers to. A <see cref="Local"/> claim lasts until it is released or detached here;
/// a <see cref="Placement"/> claim was made because Placement holds an allocation of the instance on
/// the device's provider, and ends when that allocation does.
/// </summary>
public enum ClaimOrigin
{
    Local,
    Placement,
}
