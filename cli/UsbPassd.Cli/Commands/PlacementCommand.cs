using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl placement status</c>: this host's Placement sync, from usbpassd (host.info's placement).</summary>
internal static class PlacementCommand
{
    public static Command Create() =>
        new(
            "placement",
            """
            This host's sync into OpenStack Placement, as usbpassd reports it ("placement" in
            usbpassd.json; docs/placement.md). 'usbpassctl fleet' shows every host's devices from
            Placement itself.

            Examples:
              usbpassctl placement status
              usbpassctl placement status --json
            """)
        {
            Status(),
        };

    private static Command Status() =>
        new Command(
            "status",
            """
            Show this host's Placement sync: connected or disconnected, the endpoint (or cloud:NAME),
            the root provider (the host) and its UUID, the device providers kept, the device changes
            not yet in Placement, the requests sent, the last sync, and the problem when there is
            one (a refused token, Placement down, a device Placement refused), with what to fix.

            Exit status: 0 connected with nothing pending; 1 disconnected, changes pending, the sync
            off (no "placement" section), or usbpassd not answering.
            """)
            .Answers(
                (_, client, ct) => client.CallAsync(Methods.HostInfo, new NoParams(), ProtocolJson.Default.NoParams, ProtocolJson.Default.HostInfo, ct),
                h => h.Placement,
                Print,
                h => h.Placement is { State: "connected", Pending: 0 } ? UsbPassctl.Ok : UsbPassctl.Failed);

    private static void Print(TextWriter output, HostInfo h)
    {
        if (h.Placement is not PlacementInfo p)
        {
            output.WriteLine(Terminal.Safe($"Placement sync: off on {h.Hostname} (no \"placement\" section in usbpassd.json; docs/placement.md says how to add one)"));
            return;
        }

        output.WriteLine(Terminal.Safe($"Placement sync: {p.State}"));
        output.WriteLine(Terminal.Safe($"Endpoint:       {p.Endpoint ?? "-"}"));
        output.WriteLine(Terminal.Safe($"Root provider:  {p.RootProvider ?? "-"} ({p.RootProviderUuid ?? "not found yet"})"));
        output.WriteLine($"Providers:      {p.Providers} ({p.Allocated} allocated to an instance)");
        output.WriteLine($"Conflicts:      {p.Conflicts}{(p.Conflicts > 0 ? " (allocations not followed: another instance holds the device here)" : "")}");
        output.WriteLine($"Pending:        {p.Pending} device change{(p.Pending == 1 ? "" : "s")}");
        output.WriteLine($"Requests:       {p.Requests}");
        output.WriteLine(Terminal.Safe($"Last sync:      {p.LastSyncAt ?? "never"}"));
        if (p.Problem is string problem)
        {
            output.WriteLine(Terminal.Safe($"Problem:        {problem}"));
        }
    }
}
