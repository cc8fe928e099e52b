namespace UsbPassd.Placement.Fleet;

/// <summary>
/// From a <c>"placement"</c> section (the daemon's, or one usbpassctl makes of its options) to the
/// endpoint and token, by the daemon's rules: a fixed token only over https or to this host, a cloud's
/// Keystone v3 password credentials from clouds.yaml.
/// </summary>
public static class FleetAccess
{
    /// <exception cref="InvalidOperationException">The section is not usable, or the cloud not found; the message says what to fix.</exception>
    public static IPlacementAuth Auth(PlacementOptions options, IEnumerable<string> cloudsFiles)
    {
        if (options.Problem() is string problem)
        {
            throw new InvalidOperationException(problem);
        }

        if (options.Endpoint is string endpoint)
        {
            return new StaticTokenAuth(new Uri(endpoint), options.Token!);
        }

        CloudCredentials cloud = CloudCredentials.Load(options.Cloud!, cloudsFiles);
        return EndpointRules.Problem("auth_url of cloud " + options.Cloud, cloud.AuthUrl) is string refused
            ? throw new InvalidOperationException(refused)
            : new KeystoneAuth(cloud);
    }
}
