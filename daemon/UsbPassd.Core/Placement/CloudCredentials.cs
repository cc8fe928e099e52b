namespace UsbPassd.Placement;

/// <summary>One cloud's Keystone v3 password credentials from <c>clouds.yaml</c>.</summary>
public sealed record CloudCredentials(
    string AuthUrl,
    string? Username,
    string? UserId,
    string Password,
    string? ProjectName,
    string? ProjectId,
    string? UserDomainName,
    string? UserDomainId,
    string? ProjectDomainName,
    string? ProjectDomainId,
    string? RegionName,
    string Interface)
{
    // Never print the password.
    public override string ToString() => $"CloudCredentials {{ AuthUrl = {AuthUrl}, Username = {Username ?? UserId}, Project = {ProjectName ?? ProjectId} }}";

    /// <summary>The cloud <paramref name="name"/> from the first clouds.yaml of <paramref name="files"/> that names it.</summary>
    /// <exception cref="InvalidOperationException">No file names it, or it lacks what password auth needs; the message says which.</exception>
    public static CloudCredentials Load(string name, IEnumerable<string> files)
    {
        List<string> looked = [];
        foreach (string file in files)
        {
            looked.Add(file);
            if (!File.Exists(file))
            {
                continue;
            }

            Dictionary<string, string> yaml;
            try
            {
                yaml = CloudsYaml.Parse(File.ReadAllText(file));
            }
            catch (FormatException e)
            {
                throw new InvalidOperationException($"{file}: {e.Message}", e);
            }

            string prefix = $"clouds.{name}.";
            if (!yaml.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal)))
            {
                continue;
            }

            return From(yaml, prefix, file);
        }

        throw new InvalidOperationException($"no cloud '{name}' in clouds.yaml (looked in {string.Join(", ", looked)})");
    }

    private static CloudCredentials From(Dictionary<string, string> yaml, string prefix, string file)
    {
        string? Get(string key) => yaml.GetValueOrDefault(prefix + key);
        string? authType = Get("auth_type");
        if (authType is not (null or "password" or "v3password"))
        {
            throw new InvalidOperationException($"{file}: cloud {prefix[7..^1]} uses auth_type {authType}; usbpassd supports Keystone v3 password credentials");
        }

        string authUrl = Get("auth.auth_url") ?? throw new InvalidOperationException($"{file}: cloud {prefix[7..^1]} has no auth.auth_url");
        string password = Get("auth.password") ?? throw new InvalidOperationException($"{file}: cloud {prefix[7..^1]} has no auth.password");
        if (Get("auth.username") is null && Get("auth.user_id") is null)
        {
            throw new InvalidOperationException($"{file}: cloud {prefix[7..^1]} has neither auth.username nor auth.user_id");
        }

        return new CloudCredentials(
            authUrl,
            Get("auth.username"),
            Get("auth.user_id"),
            password,
            Get("auth.project_name") ?? Get("auth.tenant_name"),
            Get("auth.project_id") ?? Get("auth.tenant_id"),
            Get("auth.user_domain_name") ?? Get("auth.domain_name"),
            Get("auth.user_domain_id") ?? Get("auth.domain_id"),
            Get("auth.project_domain_name") ?? Get("auth.domain_name"),
            Get("auth.project_domain_id") ?? Get("auth.domain_id"),
            Get("region_name"),
            (Get("interface") ?? Get("endpoint_type") ?? "public").Replace("URL", "", StringComparison.Ordinal));
    }
}
