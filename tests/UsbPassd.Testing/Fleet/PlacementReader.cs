using System.Text.Json.Nodes;

namespace UsbPassd.Testing.Fleet;

/// <summary>Reads Placement as an admin at 1.39 (noauth2), to check what it holds independently of the code under test.</summary>
public sealed class PlacementReader(string url) : IDisposable
{
    private readonly HttpClient _http = Admin();

    public async Task<JsonNode> GetAsync(string path)
    {
        using HttpResponseMessage r = await _http.GetAsync(url + path);
        string text = await r.Content.ReadAsStringAsync();
        return r.IsSuccessStatusCode ? JsonNode.Parse(text)! : throw new InvalidOperationException($"GET {path}: {(int)r.StatusCode} {text}");
    }

    public void Dispose() => _http.Dispose();

    private static HttpClient Admin()
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Add("X-Auth-Token", "admin");
        http.DefaultRequestHeaders.Add("OpenStack-API-Version", "placement 1.39");
        return http;
    }
}
