using System.CommandLine;
using System.Globalization;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl vms</c>: the host's libvirt domains, running or not, and what each holds (instances.list).</summary>
internal static class VmsCommand
{
    public static Command Create() =>
        new Command(
            "vms",
            """
            List the host's libvirt domains, running or shut off, with the devices each holds.

            These are the instances 'attach' and 'reserve' can name (by name or UUID); a transient
            domain (not persistent) has no definition to attach to while it is off.

            Examples:
              usbpassctl vms
              usbpassctl vms --json | jq '.[] | select(.state == "shut off") | .name'
            """)
            .Calls(Methods.InstancesList, ProtocolJson.Default.NoParams, _ => new NoParams(), ProtocolJson.Default.InstanceInfoArray, Print);

    private static void Print(TextWriter output, InstanceInfo[] instances)
    {
        var table = new TextTable("NAME", "STATE", "PERSISTENT", "UUID", "DEVICES");
        foreach (InstanceInfo i in instances)
        {
            table.Add(
                i.Name,
                i.State,
                i.Persistent ? "yes" : "no",
                i.Uuid,
                i.Devices.Count == 0 ? "-" : string.Join(", ", i.Devices.Select(d => $"{d.PortId ?? "?"} ({d.Status})")));
        }

        table.Write(output);
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{instances.Length} domain{(instances.Length == 1 ? "" : "s")}"));
    }
}
