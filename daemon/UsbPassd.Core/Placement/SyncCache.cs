using System.Text.Json;

namespace UsbPassd.Placement;

/// <summary>
/// What the sync last wrote, kept in the state folder so a restart costs no request per unchanged
/// device: a provider whose generation in Placement's tree is still the one written here has not
/// changed since (Placement bumps the generation on every inventory, trait or allocation change).
/// Tied to one endpoint and root; anything else, or a file that does not read, is ignored.
/// </summary>
public sealed record SyncCache
{
    public string Endpoint { get; init; } = "";
    public string Root { get; init; } = "";
    public Dictionary<Guid, KnownProvider> Providers { get; init; } = [];

    /// <summary>Custom traits and resource classes known to exist (they are never deleted while in use).</summary>
    public List<string> Vocabulary { get; init; } = [];

    public static SyncCache? Load(string? path)
    {
        try
        {
            return path is not null && File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), PlacementJson.Default.SyncCache) : null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null; // a cache: the tree is read again instead
        }
    }

    /// <summary>Written whole to a temporary file, then renamed over the old one.</summary>
    public void Save(string path)
    {
        string temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(this, PlacementJson.Default.SyncCache));
        File.Move(temporary, path, overwrite: true);
    }
}
