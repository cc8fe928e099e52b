using System.Net;

namespace UsbPassd.Placement;

/// <summary>Tokens travel only over https, except to this host itself (tests, a local Placement).</summary>
public static class EndpointRules
{
    /// <summary>Null when <paramref name="url"/> may carry a token, else why not.</summary>
    public static string? Problem(string what, string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
        {
            return $"{what} must be an http(s) URL, not '{url}'";
        }

        return uri.Scheme == "https" || IsLoopback(uri)
            ? null
            : $"{what} {uri.GetLeftPart(UriPartial.Authority)} is not https and not this host: usbpassd sends tokens only over https (or to 127.0.0.1/::1/localhost)";
    }

    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out IPAddress? ip) && IPAddress.IsLoopback(ip));
}
