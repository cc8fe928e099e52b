using System.Text.Json;
using UsbPassd.Devices;

namespace UsbPassd.Registry;

/// <summary>The <c>extra_info</c> column: a device's <see cref="DeviceFacts"/> as JSON (one shape, written and read here only).</summary>
public static class ExtraInfo
{
    public static string Write(DeviceFacts facts) => JsonSerializer.Serialize(facts, RegistryJson.Default.DeviceFacts);

    /// <summary>The facts of a row; seed-era rows have no (or foreign) extra_info: null, shown without facts rather than refused.</summary>
    public static DeviceFacts? Read(string? extra)
    {
        if (string.IsNullOrEmpty(extra))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(extra, RegistryJson.Default.DeviceFacts);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
