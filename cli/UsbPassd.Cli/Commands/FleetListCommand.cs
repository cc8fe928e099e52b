using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Placement.Fleet;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl fleet list</c>: every USB device provider of usbpassd's in Placement.</summary>
internal static class FleetListCommand
{
    public static Command Create()
    {
        var connection = new FleetConnection();
        var command = new Command(
            "list",
            $"""
            List every host's USB devices as Placement holds them (providers with the trait
            CUSTOM_USBPASSD_DEVICE).

            Columns: HOST, the root provider's name (the host; Nova's compute node); DEVICE, the
            provider's name after the host's; ID vendor:product (from its class
            CUSTOM_USB_VVVV_PPPP); SERIAL, its serial trait after CUSTOM_USB_SERIAL_ (a serial
            that is not only A-Z and 0-9 is cleaned and ends in _H and a hash); LABELS, its label
            traits after CUSTOM_USB_LABEL_; STATE: free, unavailable (its host made it so:
            unplugged, attached outside usbpassd, blocked; reserved = 1), or in use by the
            consumers that hold an allocation on it. --json adds UUIDs and every trait.

            Cost: 2 requests, 1 per model, and 3 per device that is not free.

            {FleetConnection.Help}

            Examples:
              usbpassctl fleet list --placement-url http://127.0.0.1:8778 --token admin
              usbpassctl fleet list --json | jq '.[] | select(.state == "free") | .host'
            """);
        connection.AddTo(command);
        command.SetAction((parse, ct) => connection.RunAsync(parse, async (client, output, token) =>
        {
            long before = client.Requests;
            IReadOnlyList<FleetDevice> devices = await FleetListing.ListAsync(client, token);
            if (parse.GetValue(connection.Json))
            {
                JsonOutput.Write(output, devices, FleetOutputJson.Default.IReadOnlyListFleetDevice);
            }
            else
            {
                FleetText.WriteList(output, devices, client.Requests - before);
            }

            return UsbPassctl.Ok;
        }, ct));
        return command;
    }
}
