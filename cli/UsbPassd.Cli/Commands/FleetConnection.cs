using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Placement;
using UsbPassd.Placement.Fleet;

namespace UsbPassd.Cli.Commands;

/// <summary>
/// What every fleet command shares: the options that say where Placement is (<see cref="PlacementTarget"/>),
/// --json, and failures turned into one line on stderr that says what to do, exit code 1.
/// </summary>
internal sealed class FleetConnection
{
    public const string Help =
        """
        Placement is found by the first of: --os-cloud NAME (Keystone v3 password credentials from
        clouds.yaml, read as OpenStack tools and usbpassd read it: $OS_CLIENT_CONFIG_FILE, ./,
        ~/.config/openstack/, /etc/openstack/), --placement-url URL with --token TOKEN (noauth2;
        or $PLACEMENT_TOKEN), $OS_CLOUD, $PLACEMENT_URL, and the "placement" section of usbpassd's
        config file (--config, default /etc/usbpassd/usbpassd.json: the daemon's own access). Tokens
        go only over https, or to this host (127.0.0.1, ::1, localhost). Microversion 1.39 (Placement
        8.0 / Zed or later).
        """;

    public Option<string?> Cloud { get; } = new("--os-cloud") { Description = "A cloud of clouds.yaml (default $OS_CLOUD).", HelpName = "NAME" };

    public Option<string?> Url { get; } = new("--placement-url") { Description = "Placement's endpoint, with --token (default $PLACEMENT_URL).", HelpName = "URL" };

    public Option<string?> Token { get; } = new("--token") { Description = "The token for --placement-url (default $PLACEMENT_TOKEN; noauth2: admin).", HelpName = "TOKEN" };

    public Option<string> Config { get; } = new("--config")
    {
        Description = $"usbpassd's config file, whose \"placement\" section is used when nothing else says where Placement is (default {PlacementTarget.DefaultConfig}).",
        HelpName = "FILE",
        DefaultValueFactory = _ => PlacementTarget.DefaultConfig,
    };

    public Option<bool> Json { get; } = CommonOptions.Json();

    public void AddTo(Command command)
    {
        command.Options.Add(Json);
        command.Options.Add(Cloud);
        command.Options.Add(Url);
        command.Options.Add(Token);
        command.Options.Add(Config);
    }

    /// <summary>Opens the client and runs <paramref name="body"/>; maps every failure to a sentence and exit code 1.</summary>
    public async Task<int> RunAsync(ParseResult parse, Func<PlacementClient, TextWriter, CancellationToken, Task<int>> body, CancellationToken ct)
    {
        TextWriter error = parse.InvocationConfiguration.Error;
        (PlacementOptions? options, string source, string? problem) = PlacementTarget.Resolve(
            parse.GetValue(Cloud), parse.GetValue(Url), parse.GetValue(Token), parse.GetValue(Config)!, Environment.GetEnvironmentVariable);
        if (options is null)
        {
            error.WriteLine(Terminal.Safe($"usbpassctl: {problem}"));
            return UsbPassctl.Usage;
        }

        IPlacementAuth auth;
        try
        {
            auth = FleetAccess.Auth(options, CloudsYaml.SearchPath());
        }
        catch (InvalidOperationException e)
        {
            error.WriteLine(Terminal.Safe($"usbpassctl: {source}: {e.Message}"));
            return UsbPassctl.Usage;
        }

        try
        {
            using var client = new PlacementClient(auth);
            return await body(client, parse.InvocationConfiguration.Output, ct);
        }
        catch (PlacementException e)
        {
            error.WriteLine(Terminal.Safe($"usbpassctl: {e.Message}"));
            error.WriteLine(Advice(e, source));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return UsbPassctl.Ok;
        }
        finally
        {
            (auth as IDisposable)?.Dispose();
        }

        return UsbPassctl.Failed;
    }

    private static string Advice(PlacementException e, string source) => e.Failure switch
    {
        PlacementFailure.Unreachable => $"Is Placement running and is {source} right? (curl the URL: GET / answers its versions)",
        PlacementFailure.Unauthorized => $"The token is refused: check {source} (a Keystone token expires; noauth2 wants 'admin').",
        PlacementFailure.Forbidden => "The fleet commands need Placement's admin role (noauth2: the token 'admin').",
        PlacementFailure.Microversion => "usbpassctl needs Placement 8.0 (Zed) or later.",
        _ => "Nothing was changed by this failure; 'usbpassctl fleet list' shows what Placement holds.",
    };
}
