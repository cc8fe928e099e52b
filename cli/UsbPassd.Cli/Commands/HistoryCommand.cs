using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl history [DEVICE]</c>: the audit trail, read page by page (history.list).</summary>
internal static class HistoryCommand
{
    public static Command Create()
    {
        var device = new Argument<string?>("DEVICE") { Description = "Only this device (a dev_id also finds devices that are gone).", Arity = ArgumentArity.ZeroOrOne };
        var instance = new Option<string?>("--instance") { Description = "Only this instance (domain UUID or name).", HelpName = "INSTANCE" };
        var limit = new Option<int?>("--limit") { Description = $"The newest N entries (default {HistoryParams.DefaultLimit}); the daemon answers at most {HistoryParams.MaxLimit} a call, more are fetched page by page.", HelpName = "N" };
        var before = new Option<long?>("--before") { Description = "Only entries older than this ID (go on from where a listing stopped).", HelpName = "ID" };
        return new Command(
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
            device, instance, limit, before,
        }.Answers(
            (parse, client, ct) => ReadAsync(client, parse.GetValue(device), parse.GetValue(instance), parse.GetValue(limit) ?? HistoryParams.DefaultLimit, parse.GetValue(before), ct),
            history => history.Entries,
            Print);
    }

    /// <summary>The newest <paramref name="wanted"/> entries older than <paramref name="older"/>, oldest first, and where older ones start.</summary>
    private static async Task<HistoryPage> ReadAsync(Protocol.Client.UsbPassdClient client, string? device, string? instance, int wanted, long? older, CancellationToken ct)
    {
        // Pages come newest first, each oldest first: one before the other gives the history in order.
        var pages = new List<HistoryRecord[]>();
        int got = 0;
        do
        {
            var p = new HistoryParams { Device = device, Instance = instance, Limit = Math.Min(wanted - got, HistoryParams.MaxLimit), BeforeId = older };
            HistoryPage page = await client.CallAsync(Methods.HistoryList, p, ProtocolJson.Default.HistoryParams, ProtocolJson.Default.HistoryPage, ct);
            pages.Insert(0, page.Entries);
            got += page.Entries.Length;
            older = page.NextBeforeId;
        }
        while (older is not null && got < wanted);

        return new HistoryPage { Entries = [.. pages.SelectMany(p => p)], NextBeforeId = older };
    }

    private static void Print(TextWriter output, HistoryPage history)
    {
        var table = new TextTable("ID", "AT", "EVENT", "DEVICE", "INSTANCE", "BY", "RULE");
        foreach (HistoryRecord e in history.Entries)
        {
            table.Add(e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), e.At, e.Kind, e.DevId, e.InstanceUuid ?? "-", e.By ?? "-", e.Rule ?? "-");
        }

        table.Write(output);
        if (history.NextBeforeId is not null)
        {
            output.WriteLine($"(older entries: add --before {history.NextBeforeId})");
        }
    }
}
