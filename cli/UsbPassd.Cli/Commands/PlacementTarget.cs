using System.Text.Json;
using UsbPassd.Placement;
using UsbPassd.Placement.Wire;

namespace UsbPassd.Cli.Commands;

/// <summary>
/// Where the fleet commands find Placement, first that applies: <c>--os-cloud</c>, <c>--placement-url</c>
/// (with <c>--token</c> or $PLACEMENT_TOKEN), $OS_CLOUD, $PLACEMENT_URL (with $PLACEMENT_TOKEN), then the
/// <c>"placement"</c> section of usbpassd's config file (the daemon's own access). Pure but for reading that file.
/// </summary>
internal static class PlacementTarget
{
    public const string DefaultConfig = "/etc/usbpassd/usbpassd.json";

    /// <summary>The section to use, and where it came from; or null and what to do.</summary>
    public static (PlacementOptions? Options, string Source, string? Problem) Resolve(
        string? cloud, string? url, string? token, string configFile, Func<string, string?> environment)
    {
        token ??= environment("PLACEMENT_TOKEN");
        (PlacementOptions? options, string source) = (cloud, url) switch
        {
            (string c, _) => (new PlacementOptions { Cloud = c }, "--os-cloud"),
            (_, string u) => (new PlacementOptions { Endpoint = u, Token = token }, "--placement-url"),
            _ when environment("OS_CLOUD") is { Length: > 0 } c => (new PlacementOptions { Cloud = c }, "$OS_CLOUD"),
            _ when environment("PLACEMENT_URL") is { Length: > 0 } u => (new PlacementOptions { Endpoint = u, Token = token }, "$PLACEMENT_URL"),
            _ => (null, configFile),
        };

        if (options is null)
        {
            string? why;
            (options, why) = FromConfig(configFile);
            if (options is null)
            {
                return (null, configFile, $"no Placement to ask: pass --os-cloud NAME (a clouds.yaml entry) or --placement-url URL --token TOKEN, or set OS_CLOUD; {why}");
            }
        }

        if (options.Endpoint is not null && string.IsNullOrEmpty(options.Token))
        {
            return (null, source, $"{source} needs a token: --token TOKEN or $PLACEMENT_TOKEN (noauth2: admin)");
        }

        return options.Problem() is string problem ? (null, source, $"{source}: {problem}") : (options, source, null);
    }

    private static (PlacementOptions?, string) FromConfig(string file)
    {
        try
        {
            using JsonDocument config = JsonDocument.Parse(File.ReadAllBytes(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return config.RootElement.ValueKind == JsonValueKind.Object && config.RootElement.TryGetProperty("placement", out JsonElement section) && section.ValueKind == JsonValueKind.Object
                ? (section.Deserialize(FleetJson.Default.PlacementOptions), "")
                : (null, $"{file} has no \"placement\" section");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return (null, $"{file} does not exist");
        }
        catch (UnauthorizedAccessException)
        {
            return (null, $"{file} is not readable by this user (the daemon's credentials: try sudo)");
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return (null, $"{file} does not read as JSON ({e.Message})");
        }
    }
}
