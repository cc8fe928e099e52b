using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Output;

/// <summary>How a registered device is named on screen.</summary>
internal static class DeviceText
{
    public static string Name(DeviceRecord d) =>
        d.Info is null
            ? "(no facts: a seed-era row)"
            : string.Join(' ', new[] { d.Info.VendorName, d.Info.ProductName }.Where(s => !string.IsNullOrEmpty(s))) is { Length: > 0 } name
                ? name
                : d.Info.DeviceClassName ?? "(no name)";
}
