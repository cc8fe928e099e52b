using UsbPassd.Placement;
using UsbPassd.Placement.Fleet;

namespace UsbPassd.Cli.Output;

/// <summary>The fleet commands' text: the device table of <c>fleet list</c> and the sentence of <c>fleet place</c>.</summary>
internal static class FleetText
{
    public static void WriteList(TextWriter output, IReadOnlyList<FleetDevice> devices, long requests)
    {
        if (devices.Count == 0)
        {
            output.WriteLine("No USB device in Placement (no provider has the trait CUSTOM_USBPASSD_DEVICE): is a \"placement\" section in the hosts' usbpassd.json? ('usbpassctl placement status' on a host)");
            return;
        }

        var table = new TextTable("HOST", "DEVICE", "ID", "SERIAL", "LABELS", "STATE");
        foreach (FleetDevice d in devices)
        {
            table.Add(
                d.Host ?? d.HostUuid.ToString(),
                d.Host is string h && d.Name.StartsWith(h + "_", StringComparison.Ordinal) ? d.Name[(h.Length + 1)..] : d.Name,
                d.VidPid ?? d.ResourceClass ?? "-",
                d.SerialTrait?[PlacementNames.SerialPrefix.Length..] ?? "-",
                d.LabelTraits.Any() ? string.Join(',', d.LabelTraits.Select(t => t[PlacementNames.LabelPrefix.Length..])) : "-",
                d.Consumers.Count > 0 ? $"in use by {string.Join(',', d.Consumers)}" : d.State);
        }

        table.Write(output);
        output.WriteLine();
        int hosts = devices.Select(d => d.HostUuid).Distinct().Count();
        output.WriteLine($"{devices.Count} device{(devices.Count == 1 ? "" : "s")} on {hosts} host{(hosts == 1 ? "" : "s")}: " +
            $"{devices.Count(d => d.State == "free")} free, {devices.Count(d => d.State == "in use")} in use, {devices.Count(d => d.State == "unavailable")} unavailable " +
            $"({requests} requests to Placement)");
    }

    public static void WritePlacement(TextWriter output, TextWriter error, FleetPlacement p)
    {
        if (p.Result != PlacementResult.Placed)
        {
            error.WriteLine(Terminal.Safe($"usbpassctl: {p.Reason}"));
            return;
        }

        output.WriteLine(Terminal.Safe(p.DryRun
            ? $"Would place consumer {p.Consumer} on host {p.Host}: device {p.ProviderName} ({p.ResourceClass}), one of {p.Candidates} free. Nothing written (--dry-run)."
            : $"Placed consumer {p.Consumer} on host {p.Host}: device {p.ProviderName} ({p.ResourceClass}, provider {p.Provider})."));
        if (!p.DryRun)
        {
            output.WriteLine(Terminal.Safe($"Host:     {p.Host}"));
            output.WriteLine(Terminal.Safe($"Attempts: {p.Attempts} ({p.Conflicts} lost to another scheduler and retried)"));
        }
    }
}
