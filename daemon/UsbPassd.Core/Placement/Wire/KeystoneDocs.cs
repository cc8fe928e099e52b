namespace UsbPassd.Placement.Wire;

/// <summary>POST /v3/auth/tokens with password credentials, scoped to a project.</summary>
public sealed record KeystoneAuthRequest(KeystoneAuthBody Auth);

public sealed record KeystoneAuthBody(KeystoneIdentity Identity, KeystoneScope? Scope);

public sealed record KeystoneIdentity(IReadOnlyList<string> Methods, KeystonePassword Password);

public sealed record KeystonePassword(KeystoneUser User);

public sealed record KeystoneUser(string? Name, string? Id, string Password, KeystoneNamed? Domain);

public sealed record KeystoneNamed(string? Name, string? Id);

public sealed record KeystoneScope(KeystoneProject Project);

public sealed record KeystoneProject(string? Name, string? Id, KeystoneNamed? Domain);

/// <summary>The answer: the token's expiry and the service catalog (the token itself is the X-Subject-Token header).</summary>
public sealed record KeystoneTokenResponse
{
    public KeystoneToken? Token { get; init; }
}

public sealed record KeystoneToken
{
    public DateTimeOffset? ExpiresAt { get; init; }
    public IReadOnlyList<KeystoneService> Catalog { get; init; } = [];
}

public sealed record KeystoneService
{
    public string? Type { get; init; }
    public IReadOnlyList<KeystoneEndpoint> Endpoints { get; init; } = [];
}

public sealed record KeystoneEndpoint
{
    public string? Interface { get; init; }
    public string? Region { get; init; }
    public string? RegionId { get; init; }
    public string? Url { get; init; }
}
