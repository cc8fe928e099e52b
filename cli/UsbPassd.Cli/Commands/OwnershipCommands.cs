using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl reserve | release | attach | detach | swap | instances</c>: ownership through usbpassd.</summary>
internal static class OwnershipCommands
{
    public static IEnumerable<Command> Create() => [Reserve(), Release(), Attach(), Detach(), Swap(), Instances()];

    private static Argument<string> DeviceArgument() => new("DEVICE") { Description = "A port (1-4.2), registry id, address (usb_2_3) or dev_id." };

    private static Argument<string> InstanceArgument() => new("INSTANCE") { Description = "The libvirt domain: UUID or name." };

    private static Command Reserve()
    {
        var device = DeviceArgument();
        var instance = new Argument<string>("INSTANCE_UUID") { Description = "The instance that will own the device (domain UUID)." };
        var ttl = new Option<int?>("--ttl") { Description = "Seconds after which an unattached reservation lapses.", HelpName = "SECONDS" };
        var (json, socket) = (CommonOptions.Json(), DaemonCommand.Socket());
        var c = new Command("reserve", "Hold DEVICE for an instance (a scheduler's step before boot). Prints the fencing token; exactly one of two racing callers wins.") { device, instance, ttl, json, socket };
        c.SetAction((parse, ct) => Call(parse, socket, json, Methods.DevicesReserve,
            new ReserveParams { Device = parse.GetValue(device), InstanceUuid = parse.GetValue(instance), TtlSeconds = parse.GetValue(ttl) }, ProtocolJson.Default.ReserveParams, ct));
        return c;
    }

    private static Command Release()
    {
        var device = DeviceArgument();
        var instance = new Argument<string>("INSTANCE_UUID") { Description = "The instance that holds the reservation." };
        var (json, socket) = (CommonOptions.Json(), DaemonCommand.Socket());
        var c = new Command("release", "Give back a reservation (an attached device is detached first with 'detach').") { device, instance, json, socket };
        c.SetAction((parse, ct) => Call(parse, socket, json, Methods.DevicesRelease,
            new ReleaseParams { Device = parse.GetValue(device), InstanceUuid = parse.GetValue(instance) }, ProtocolJson.Default.ReleaseParams, ct));
        return c;
    }

    private static Command Attach()
    {
        var device = DeviceArgument();
        var instance = InstanceArgument();
        var live = new Option<bool>("--live") { Description = "Only the running domain (gone at its next restart)." };
        var config = new Option<bool>("--config") { Description = "Only the persistent definition (taken at the next start)." };
        var mandatory = new Option<bool>("--mandatory") { Description = "Refuse to boot the domain without the device (default: it boots without it)." };
        var controller = new Option<string?>("--controller") { Description = "Guest USB controller: uhci, ehci or xhci (a shut-off domain without one gets it added; xhci with 15 ports).", HelpName = "MODEL" };
        var token = new Option<long?>("--token") { Description = "The fencing token from 'reserve'; a stale one is refused.", HelpName = "N" };
        var (json, socket) = (CommonOptions.Json(), DaemonCommand.Socket());
        var c = new Command(
            "attach",
            """
            Pass DEVICE to the libvirt domain INSTANCE. A running domain gets it now (and in its
            definition when persistent); a shut-off one in its definition, taken when it starts.
            Unless --mandatory, the domain still boots when the device is unplugged.

            Examples:
              usbpassctl attach 1-4.2 erp-vm
              usbpassctl attach 0529:0001:LICENCE-0042 6f1c0a3e-... --config
              usbpassctl attach 1-4.2 erp-vm --config --controller xhci

            A running domain's free guest ports are counted first: a full controller is
            refused with what fills it (hotplug never adds a hub).
            """)
        {
            device, instance, live, config, mandatory, controller, token, json, socket,
        };
        c.SetAction((parse, ct) => Call(parse, socket, json, Methods.DevicesAttach, new AttachParams
        {
            Device = parse.GetValue(device),
            Instance = parse.GetValue(instance),
            Mode = Mode(parse.GetValue(live), parse.GetValue(config)),
            MissingPolicy = parse.GetValue(mandatory) ? "mandatory" : "optional",
            Controller = parse.GetValue(controller),
            Token = parse.GetValue(token),
        }, ProtocolJson.Default.AttachParams, ct));
        return c;
    }

    private static Command Detach()
    {
        var device = DeviceArgument();
        var instance = InstanceArgument();
        var live = new Option<bool>("--live") { Description = "Only from the running domain." };
        var config = new Option<bool>("--config") { Description = "Only from the persistent definition." };
        var (json, socket) = (CommonOptions.Json(), DaemonCommand.Socket());
        var c = new Command("detach", "Take DEVICE out of INSTANCE (confirmed by libvirt); it is then free for others.") { device, instance, live, config, json, socket };
        c.SetAction((parse, ct) => Call(parse, socket, json, Methods.DevicesDetach,
            new DetachParams { Device = parse.GetValue(device), Instance = parse.GetValue(instance), Mode = Mode(parse.GetValue(live), parse.GetValue(config)) }, ProtocolJson.Default.DetachParams, ct));
        return c;
    }

    private static Command Swap()
    {
        var instance = InstanceArgument();
        var from = new Argument<string>("FROM") { Description = "The device INSTANCE has now." };
        var to = new Argument<string>("TO") { Description = "The device that takes its place." };
        var live = new Option<bool>("--live") { Description = "Only in the running domain." };
        var config = new Option<bool>("--config") { Description = "Only in the persistent definition." };
        var (json, socket) = (CommonOptions.Json(), DaemonCommand.Socket());
        var c = new Command(
            "swap",
            """
            Replace FROM with TO in INSTANCE (a resize from a flavour with device A to one with
            device B). TO is claimed before FROM is detached, so nobody takes it in between;
            if libvirt refuses TO, FROM is attached again.

            Example:
              usbpassctl swap erp-vm 1-4.2 1-5
            """)
        {
            instance, from, to, live, config, json, socket,
        };
        c.SetAction((parse, ct) => Call(parse, socket, json, Methods.DevicesSwap,
            new SwapParams { Instance = parse.GetValue(instance), From = parse.GetValue(from), To = parse.GetValue(to), Mode = Mode(parse.GetValue(live), parse.GetValue(config)) }, ProtocolJson.Default.SwapParams, ct));
        return c;
    }

    private static Command Instances()
    {
        var instance = InstanceArgument();
        var (json, socket) = (CommonOptions.Json(), DaemonCommand.Socket());
        var c = new Command("instances", "List the devices INSTANCE owns (reserved or attached).") { instance, json, socket };
        c.SetAction((parse, ct) => DaemonCommand.RunAsync(parse, socket, async (client, output, token) =>
        {
            DeviceRecord[] owned = await client.CallAsync(Methods.InstancesDevices, new InstanceParams { Instance = parse.GetValue(instance) }, ProtocolJson.Default.InstanceParams, ProtocolJson.Default.DeviceRecordArray, token);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(output, owned);
                return UsbPassctl.Ok;
            }

            foreach (DeviceRecord d in owned)
            {
                output.WriteLine(Terminal.Safe($"{d.Status,-10} {d.PortId,-9} {d.VendorId}:{d.ProductId}  {DeviceText.Name(d)}  {d.DevId}"));
            }

            output.WriteLine($"{owned.Length} device{(owned.Length == 1 ? "" : "s")}");
            return UsbPassctl.Ok;
        }, ct));
        return c;
    }

    private static string Mode(bool live, bool config) => (live, config) switch
    {
        (true, false) => "live",
        (false, true) => "config",
        _ => "auto",
    };

    private static Task<int> Call<TParams>(ParseResult parse, Option<string> socket, Option<bool> json, string method, TParams parameters, System.Text.Json.Serialization.Metadata.JsonTypeInfo<TParams> info, CancellationToken ct) =>
        DaemonCommand.RunAsync(parse, socket, async (client, output, token) =>
        {
            AssignmentResult r = await client.CallAsync(method, parameters, info, ProtocolJson.Default.AssignmentResult, token);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(output, r);
                return UsbPassctl.Ok;
            }

            output.WriteLine(Terminal.Safe($"{r.Device.PortId} ({r.Device.DevId}): {r.Device.Status}" +
                (r.InstanceUuid is null ? "" : $" to {r.InstanceUuid}") + (r.Token is long t ? $", token {t}" : "") + (r.ExpiresAt is null ? "" : $", until {r.ExpiresAt}")));
            return UsbPassctl.Ok;
        }, ct);
}
