using System.Text.Json;
using System.Text.Json.Serialization;

namespace UsbPassd.Testing;

/// <summary>One device as a recording states it. A string key that is absent means "not stated"; null means "the device has none".</summary>
public sealed class DeviceFact
{
    [JsonPropertyName("vendor_id")] public string? VendorId { get; init; }
    [JsonPropertyName("product_id")] public string? ProductId { get; init; }
    [JsonPropertyName("port")] public string? Port { get; init; }
    [JsonPropertyName("bus")] public int? Bus { get; init; }
    [JsonPropertyName("devnum")] public int? DeviceNumber { get; init; }
    [JsonPropertyName("device_class")] public string? DeviceClass { get; init; }
    [JsonPropertyName("interface_classes")] public string[]? InterfaceClasses { get; init; }
    [JsonPropertyName("speed")] public string? Speed { get; init; }
    [JsonPropertyName("is_hub")] public bool? IsHub { get; init; }

    /// <summary>Manufacturer, product and serial: (stated, value) so "absent" and "null" differ.</summary>
    public (bool Stated, string? Value) Manufacturer { get; init; }
    public (bool Stated, string? Value) Product { get; init; }
    public (bool Stated, string? Value) Serial { get; init; }

    public override string ToString() => $"{VendorId}:{ProductId} @ {Port ?? $"bus {Bus} dev {DeviceNumber}"}";
}

public sealed record RecordingFacts(string File, string Format, bool Usb, IReadOnlyList<DeviceFact> Devices, string? Notes);

/// <summary>Reads Corpus/corpus-facts.json (copied beside the assembly).</summary>
public static class CorpusFacts
{
    private static readonly Lazy<IReadOnlyList<RecordingFacts>> All = new(Load);

    public static IReadOnlyList<RecordingFacts> Recordings => All.Value;

    public static RecordingFacts For(string file) => All.Value.Single(r => r.File == file);

    public static IEnumerable<(string File, string Format)> Files() =>
        All.Value.Where(r => r.Usb).Select(r => (r.File, r.Format));

    private static List<RecordingFacts> Load()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Corpus", "corpus-facts.json")));
        var result = new List<RecordingFacts>();
        foreach (JsonProperty file in doc.RootElement.EnumerateObject())
        {
            JsonElement r = file.Value;
            var devices = r.GetProperty("devices").EnumerateArray().Select(d =>
            {
                DeviceFact fact = d.Deserialize<DeviceFact>()!;
                return new DeviceFact
                {
                    VendorId = fact.VendorId,
                    ProductId = fact.ProductId,
                    Port = fact.Port,
                    Bus = fact.Bus,
                    DeviceNumber = fact.DeviceNumber,
                    DeviceClass = fact.DeviceClass,
                    InterfaceClasses = fact.InterfaceClasses,
                    Speed = fact.Speed,
                    IsHub = fact.IsHub,
                    Manufacturer = StringFact(d, "manufacturer"),
                    Product = StringFact(d, "product"),
                    Serial = StringFact(d, "serial"),
                };
            }).ToList();
            result.Add(new RecordingFacts(
                file.Name,
                r.GetProperty("format").GetString()!,
                r.GetProperty("usb").GetBoolean(),
                devices,
                r.TryGetProperty("notes", out JsonElement notes) ? notes.GetString() : null));
        }

        return result;
    }

    private static (bool, string?) StringFact(JsonElement d, string key) =>
        d.TryGetProperty(key, out JsonElement v) ? (true, v.ValueKind == JsonValueKind.Null ? null : v.GetString()) : (false, null);
}
