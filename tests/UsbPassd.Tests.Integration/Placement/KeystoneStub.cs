using System.Net;
using System.Text;

namespace UsbPassd.Tests.Integration.Placement;

/// <summary>
/// Keystone's token call, no more: <c>POST /v3/auth/tokens</c> with the password credentials it was
/// made with answers the next token of <see cref="Tokens"/> (X-Subject-Token) and a catalog naming
/// <paramref name="placementUrl"/> as the public placement endpoint of RegionOne; other credentials get 401.
/// </summary>
public sealed class KeystoneStub : LoopbackHttpServer
{
    private readonly string _placementUrl;
    private int _issued;

    public KeystoneStub(string placementUrl, params string[] tokens)
    {
        _placementUrl = placementUrl;
        Tokens = tokens;
        Listen();
    }

    public const string User = "placement";
    public const string Password = "pl4cement-pw";

    public string AuthUrl => $"http://127.0.0.1:{Port}/v3";

    /// <summary>Issued in turn (the last one again once they run out).</summary>
    public string[] Tokens { get; }

    public int Issued => Volatile.Read(ref _issued);

    /// <summary>A clouds.yaml naming this Keystone as cloud <paramref name="cloud"/>.</summary>
    public string CloudsYaml(string cloud, string password = Password) => $"""
        clouds:
          {cloud}:
            auth:
              auth_url: {AuthUrl}
              username: {User}
              password: "{password}"
              project_name: service
              user_domain_name: Default
              project_domain_name: Default
            region_name: RegionOne
        """;

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        string body = await new StreamReader(context.Request.InputStream).ReadToEndAsync();
        bool good = context.Request.HttpMethod == "POST" && context.Request.RawUrl == "/v3/auth/tokens"
            && body.Contains($"\"name\":\"{User}\"", StringComparison.Ordinal) && body.Contains($"\"password\":\"{Password}\"", StringComparison.Ordinal)
            && body.Contains("\"project\":{\"name\":\"service\"", StringComparison.Ordinal);
        if (good)
        {
            int n = Interlocked.Increment(ref _issued);
            context.Response.StatusCode = 201;
            context.Response.Headers["X-Subject-Token"] = Tokens[Math.Min(n, Tokens.Length) - 1];
            context.Response.ContentType = "application/json";
            string expires = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", System.Globalization.CultureInfo.InvariantCulture);
            await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes($$$"""
                {"token": {"expires_at": "{{{expires}}}", "methods": ["password"],
                 "catalog": [{"type": "identity", "endpoints": [{"interface": "public", "region": "RegionOne", "url": "{{{AuthUrl}}}"}]},
                             {"type": "placement", "endpoints": [{"interface": "internal", "region": "RegionOne", "url": "http://127.0.0.1:1/wrong"},
                                                                 {"interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": "{{{_placementUrl}}}"}]}]}}
                """));
        }
        else
        {
            context.Response.StatusCode = 401;
        }

        context.Response.Close();
    }
}
