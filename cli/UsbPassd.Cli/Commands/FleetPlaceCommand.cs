using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Placement.Fleet;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl fleet place</c>: the reference scheduler (allocation candidates → allocation → the host).</summary>
internal static class FleetPlaceCommand
{
    public static Command Create()
    {
        var connection = new FleetConnection();
        var serial = new Option<string?>("--serial") { Description = "This exact device: its serial (as 'usbpassctl list' shows it).", HelpName = "SERIAL" };
        var resourceClass = new Option<string?>("--class") { Description = "A model, as Placement names it: CUSTOM_USB_VVVV_PPPP.", HelpName = "CLASS" };
        var vidPid = new Option<string?>("--vid-pid") { Description = "A model as lsusb shows it: VENDOR:PRODUCT in hex.", HelpName = "V:P" };
        var labels = new Option<string[]>("--label") { Description = "A label of the policy rule that allowed the device (repeat: all of them).", HelpName = "LABEL", AllowMultipleArgumentsPerToken = false };
        var traits = new Option<string[]>("--trait") { Description = "Any other trait the device must have, as Placement names it (repeat).", HelpName = "TRAIT" };
        var host = new Option<string?>("--host") { Description = "Only on this host (its root provider's name).", HelpName = "HOST" };
        var consumer = new Option<string>("--consumer") { Description = "Who gets the device: a UUID (under Nova, the instance's; the libvirt domain's UUID).", HelpName = "UUID", Required = true };
        var project = new Option<string>("--project") { Description = "The consumer's project in Placement (default usbpassctl).", HelpName = "PROJECT", DefaultValueFactory = _ => "usbpassctl" };
        var user = new Option<string>("--user") { Description = "The consumer's user in Placement (default usbpassctl).", HelpName = "USER", DefaultValueFactory = _ => "usbpassctl" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Ask for candidates and say which device would be chosen; write nothing." };
        var attempts = new Option<int>("--attempts") { Description = "Ask again this many times at most when another scheduler takes the chosen device first (default 10).", HelpName = "N", DefaultValueFactory = _ => 10 };
        var command = new Command(
            "place",
            $"""
            Choose a free USB device for a consumer and allocate it in Placement, as a scheduler
            does: GET /allocation_candidates for the device (one numbered group, resources1 and
            required1, so every trait is on the device itself), one candidate at random, then PUT
            /allocations/CONSUMER (consumer_type INSTANCE). When another scheduler takes that
            device first (409), it asks again, up to --attempts times. Prints the chosen host: the
            host's usbpassd then reserves the device for the consumer and attaches it when the
            domain with that UUID starts.

            Say which device with --serial, --class or --vid-pid, --label, --trait (all must hold).
            With only a serial, labels or traits, the models of the devices that have them are
            asked for in turn.

            Exit status: 0 placed (or, --dry-run, a device is free); 1 no device is free (the
            reason on stderr: none matches, or every match is in use or unavailable), or every
            attempt lost its device to another scheduler, or Placement failed; 2 usage.

            {FleetConnection.Help}

            Examples:
              usbpassctl fleet place --serial 4C530001071107105463 --consumer $(uuidgen)
              usbpassctl fleet place --vid-pid 0781:5567 --label "licence keys" --consumer UUID --dry-run
              usbpassctl fleet place --class CUSTOM_USB_0781_5567 --host compute-3 --consumer UUID --json
            """)
        {
            serial, resourceClass, vidPid, labels, traits, host, consumer, project, user, dryRun, attempts,
        };
        connection.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            TextWriter error = parse.InvocationConfiguration.Error;
            if (Request(parse.GetValue(serial), parse.GetValue(resourceClass), parse.GetValue(vidPid), parse.GetValue(labels), parse.GetValue(traits), parse.GetValue(host), out string? problem) is not DeviceRequest request
                || !Guid.TryParse(parse.GetValue(consumer), out Guid id))
            {
                error.WriteLine(Terminal.Safe($"usbpassctl: {problem ?? $"--consumer must be a UUID, not '{parse.GetValue(consumer)}' (try $(uuidgen))"}"));
                return Task.FromResult(UsbPassctl.Usage);
            }

            return connection.RunAsync(parse, async (client, output, token) =>
            {
                var scheduler = new FleetScheduler(client) { MaxAttempts = Math.Max(1, parse.GetValue(attempts)), ProjectId = parse.GetValue(project)!, UserId = parse.GetValue(user)! };
                FleetPlacement placement = await scheduler.PlaceAsync(request, id, parse.GetValue(dryRun), token);
                if (parse.GetValue(connection.Json))
                {
                    JsonOutput.Write(output, placement, FleetOutputJson.Default.FleetPlacement);
                }

                if (!parse.GetValue(connection.Json) || placement.Result != PlacementResult.Placed)
                {
                    FleetText.WritePlacement(parse.GetValue(connection.Json) ? TextWriter.Null : output, error, placement);
                }

                return placement.Result == PlacementResult.Placed ? UsbPassctl.Ok : UsbPassctl.Failed;
            }, ct);
        });
        return command;
    }

    /// <summary>The request the options make, or null and why not.</summary>
    internal static DeviceRequest? Request(string? serial, string? resourceClass, string? vidPid, string[]? labels, string[]? traits, string? host, out string? problem)
    {
        problem = null;
        if (resourceClass is not null && vidPid is not null)
        {
            problem = "--class and --vid-pid both name the model: give one";
            return null;
        }

        if (vidPid is not null && (resourceClass = DeviceRequest.ClassOf(vidPid, out problem)) is null)
        {
            return null;
        }

        var request = new DeviceRequest
        {
            ResourceClass = resourceClass,
            Serial = string.IsNullOrEmpty(serial) ? null : serial,
            Labels = labels ?? [],
            Traits = traits ?? [],
            Host = string.IsNullOrEmpty(host) ? null : host,
        };
        problem = request.Problem();
        return problem is null ? request : null;
    }
}
