namespace UsbPassd.Devices;

/// <summary>An entry of <c>/sys/bus/usb/devices</c> that could not be read; the scan goes on without it.</summary>
public sealed record ScanProblem(string Entry, string Reason)
{
    public override string ToString() => $"{Entry}: {Reason}";
}
