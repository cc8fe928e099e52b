using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl policy check | show | reload</c> and <c>usbpassctl history</c>.</summary>
internal static class PolicyCommands
{
    public static IEnumerable<Command> Create() => [Policy(), History()];

    private static Command Policy()
    {
        var policy = new Command(
            "policy",
            """
            Which devices may leave this host. Rules live in /etc/usbpassd/policy.rules (one per
            line, first match wins; '#' comments) after the seed's JSON lists in usbpassd.json
            (passthrough_blocklist, then passthrough_allowlist):

              allow|block [id VVVV:PPPP] [serial "S"] [name "N"] [via-port "1-4.2"]
                          [with-interface CC:SS:PP] [label "why"] [override CHECK]
              default allow|block

            Wildcards: 0529:*, *:*, 08:*:*. Sets: with-interface one-of { 03:01:01 08:*:* }
            (also all-of, none-of, equals). Host safety, on for every device: hubs and root
            hubs, storage mounted on the host, used as swap or held by device-mapper/RAID, and
            the last keyboard of a host with a local console are refused; only an allow rule
            that names the check lifts it, e.g.
              allow id 0781:5581 serial "4C53" override mounted-storage label "scratch disk"

            Examples:
              usbpassctl policy check 1-4.2
              usbpassctl policy show
              usbpassctl policy reload        (or: systemctl reload usbpassd / kill -HUP)
            """);
        policy.Subcommands.Add(Check());
        policy.Subcommands.Add(Show());
        policy.Subcommands.Add(Reload());
        return policy;
    }

    private static Command Check()
    {
        var device = new Argument<string>("DEVICE") { Description = "A port (1-4.2), registry id, address (usb_2_3) or dev_id." };
        var (json, socket) = (CommonOptions.Json(), DaemonCommand.Socket());
        var c = new Command("check", "Say whether DEVICE may be passed to a VM now, by which rule, and why (judged with the host's mounts and keyboards as they are now). Exit status 0 allowed, 1 not.") { device, json, socket };
        c.SetAction((parse, ct) => DaemonCommand.RunAsync(parse, socket, async (client, output, token) =>
        {
            PolicyCheckResult r = await client.CallAsync(Methods.PolicyCheck, new PolicyCheckParams { Device = parse.GetValue(device) }, ProtocolJson.Default.PolicyCheckParams, ProtocolJson.Default.PolicyCheckResult, token);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(output, r);
            }
            else
            {
                output.WriteLine(Terminal.Safe($"{r.Device.PortId} {r.Device.VendorId}:{r.Device.ProductId} {DeviceText.Name(r.Device)}: {r.Verdict.ToUpperInvariant()}"));
                output.WriteLine(Terminal.Safe($"  {r.Reason}"));
            }

            return r.Allowed ? UsbPassctl.Ok : 1;
        }, ct));
        return c;
    }

    private static Command Show()
    {
        var (json, socket) = (CommonOptions.Json(), DaemonCommand.Socket());
        var c = new Command("show", "Print the policy in force: every rule in the order tried, with where it comes from.") { json, socket };
        c.SetAction((parse, ct) => DaemonCommand.RunAsync(parse, socket, async (client, output, token) =>
        {
            PolicyShowResult r = await client.CallAsync(Methods.PolicyShow, new NoParams(), ProtocolJson.Default.NoParams, ProtocolJson.Default.PolicyShowResult, token);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(output, r);
            }
            else
            {
                output.Write(Terminal.SafeLines(r.Text));
            }

            return UsbPassctl.Ok;
        }, ct));
        return c;
    }

    private static Command Reload()
    {
        var (json, socket) = (CommonOptions.Json(), DaemonCommand.Socket());
        var c = new Command("reload", "Read the policy again (as SIGHUP does) and judge the present devices; devices attached to a VM that it now refuses are listed, not detached.") { json, socket };
        c.SetAction((parse, ct) => DaemonCommand.RunAsync(parse, socket, async (client, output, token) =>
        {
            PolicyReloadResult r = await client.CallAsync(Methods.PolicyReload, new NoParams(), ProtocolJson.Default.NoParams, ProtocolJson.Default.PolicyReloadResult, token);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(output, r);
                return UsbPassctl.Ok;
            }

            output.WriteLine(Terminal.Safe($"policy reloaded: {r.Rules} rules, then '{r.Default}'"));
            foreach (PolicyConflict x in r.OwnedButRefused)
            {
                output.WriteLine(Terminal.Safe($"  {x.PortId} is {x.Status} to {x.InstanceUuid} but now refused: {x.Reason}"));
                output.WriteLine(Terminal.Safe($"    it stays; to take it out: usbpassctl detach {x.PortId} {x.InstanceUuid}"));
            }

            return UsbPassctl.Ok;
        }, ct));
        return c;
    }

    private static Command History()
    {
        var device = new Argument<string?>("DEVICE") { Description = "Only this device (a dev_id also finds devices that are gone).", Arity = ArgumentArity.ZeroOrOne };
        var instance = new Option<string?>("--instance") { Description = "Only this instance (domain UUID or name).", HelpName = "INSTANCE" };
        var limit = new Option<int?>("--limit") { Description = $"The newest N entries (default {HistoryParams.DefaultLimit}); the daemon answers at most {HistoryParams.MaxLimit} a call, more are fetched page by page.", HelpName = "N" };
        var before = new Option<long?>("--before") { Description = "Only entries older than this ID (go on from where a listing stopped).", HelpName = "ID" };
        var (json, socket) = (CommonOptions.Json(), DaemonCommand.Socket());
        var c = new Command(
            "history",
            """
            What happened to devices, oldest first: plugged, unplugged, missing, reserved,
            attached (by whom: uid, pid and program; under which policy rule), detached, released,
            re-attached after a replug, refused by the policy. When older entries exist, the last
            line says which --before shows them.

            Examples:
              usbpassctl history 1-4.2
              usbpassctl history --instance erp-vm --limit 20
              usbpassctl history --limit 5000 --json > history.json
            """)
        {
            device, instance, limit, before, json, socket,
        };
        c.SetAction((parse, ct) => DaemonCommand.RunAsync(parse, socket, async (client, output, token) =>
        {
            // Pages come newest first, each oldest first: one before the other gives the history in order.
            int wanted = parse.GetValue(limit) ?? HistoryParams.DefaultLimit;
            long? older = parse.GetValue(before);
            var pages = new List<HistoryRecord[]>();
            int got = 0;
            do
            {
                var p = new HistoryParams { Device = parse.GetValue(device), Instance = parse.GetValue(instance), Limit = Math.Min(wanted - got, HistoryParams.MaxLimit), BeforeId = older };
                HistoryPage page = await client.CallAsync(Methods.HistoryList, p, ProtocolJson.Default.HistoryParams, ProtocolJson.Default.HistoryPage, token);
                pages.Insert(0, page.Entries);
                got += page.Entries.Length;
                older = page.NextBeforeId;
            }
            while (older is not null && got < wanted);

            HistoryRecord[] entries = [.. pages.SelectMany(p => p)];
            if (parse.GetValue(json))
            {
                JsonOutput.Write(output, entries);
                return UsbPassctl.Ok;
            }

            var table = new TextTable("ID", "AT", "EVENT", "DEVICE", "INSTANCE", "BY", "RULE");
            foreach (HistoryRecord e in entries)
            {
                table.Add(e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), e.At, e.Kind, e.DevId, e.InstanceUuid ?? "-", e.By ?? "-", e.Rule ?? "-");
            }

            table.Write(output);
            if (older is not null)
            {
                output.WriteLine($"(older entries: add --before {older})");
            }

            return UsbPassctl.Ok;
        }, ct));
        return c;
    }
}
