using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Placement.Fleet;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl fleet release --consumer UUID</c>: DELETE /allocations/{consumer}.</summary>
internal static class FleetReleaseCommand
{
    public static Command Create()
    {
        var connection = new FleetConnection();
        var consumer = new Option<string>("--consumer") { Description = "The consumer whose allocations go (the UUID given to 'fleet place').", HelpName = "UUID", Required = true };
        var command = new Command(
            "release",
            $"""
            Delete every allocation a consumer holds in Placement (DELETE /allocations/CONSUMER): its
            USB devices become free for the next placement, and each host's usbpassd releases its
            reservation (and detaches a device still attached). Nova does this itself when it
            deletes an instance; this is for consumers of other schedulers and for cleaning up.

            Exit status: 0 released; 1 the consumer held no allocations, or Placement failed; 2 usage.

            {FleetConnection.Help}

            Example:
              usbpassctl fleet release --consumer 6f1c0a3e-0000-4000-8000-000000000001
            """)
        {
            consumer,
        };
        connection.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            if (!Guid.TryParse(parse.GetValue(consumer), out Guid id))
            {
                parse.InvocationConfiguration.Error.WriteLine(Terminal.Safe($"usbpassctl: --consumer must be a UUID, not '{parse.GetValue(consumer)}'"));
                return Task.FromResult(UsbPassctl.Usage);
            }

            return connection.RunAsync(parse, async (client, output, token) =>
            {
                bool released = await new FleetScheduler(client).ReleaseAsync(id, token);
                if (parse.GetValue(connection.Json))
                {
                    JsonOutput.Write(output, new FleetRelease(id, released), FleetOutputJson.Default.FleetRelease);
                }
                else if (released)
                {
                    output.WriteLine($"Released consumer {id}: its devices are free.");
                }

                if (!released)
                {
                    parse.InvocationConfiguration.Error.WriteLine($"usbpassctl: consumer {id} holds no allocations in Placement (released already, or never placed; 'usbpassctl fleet list' shows who holds what)");
                }

                return released ? UsbPassctl.Ok : UsbPassctl.Failed;
            }, ct);
        });
        return command;
    }
}
