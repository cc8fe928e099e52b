using UsbPassd.Uevents;

namespace UsbPassd.Fuzz;

/// <summary>
/// The netlink datagram parser, both formats. The udev target puts the <c>libudev\0</c> prefix in
/// front of every input, so every mutation reaches the header and offset checks of udevd's framing
/// rather than mostly falling into the kernel format's "no action@/devpath" refusal.
/// </summary>
public static class UeventTarget
{
    private static readonly byte[] UdevPrefix = "libudev\0"u8.ToArray();

    public static void Kernel(byte[] input) => Parse(input);

    public static void Udev(byte[] input) => Parse([.. UdevPrefix, .. input]);

    private static void Parse(ReadOnlySpan<byte> datagram)
    {
        if (UeventParser.TryParse(datagram, out Uevent? uevent, out string? error))
        {
            // What the pipeline reads of an event next: none of it may throw either.
            _ = uevent.ToString();
            _ = uevent.IsUsbDevice;
            _ = uevent.Name;
        }
        else if (string.IsNullOrEmpty(error))
        {
            throw new InvalidOperationException("a refused datagram without a reason");
        }
    }
}
