using System.Globalization;

namespace UsbPassd.Registry;

/// <summary>Registry times: ISO 8601 UTC with milliseconds, so they sort as text.</summary>
public static class Timestamps
{
    public static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
