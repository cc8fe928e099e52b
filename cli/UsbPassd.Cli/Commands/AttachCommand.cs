using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl attach DEVICE INSTANCE</c>: pass a device to a libvirt domain (devices.attach).</summary>
internal static class AttachCommand
{
    public static Command Create()
    {
        var device = CommonOptions.Device();
        var instance = CommonOptions.Instance();
        var mode = new ModeOptions("Only the running domain (gone at its next restart).", "Only the persistent definition (taken at the next start).");
        var mandatory = new Option<bool>("--mandatory") { Description = "Refuse to boot the domain without the device (default: it boots without it)." };
        var controller = new Option<string?>("--controller") { Description = "Guest USB controller: uhci, ehci or xhci (a shut-off domain without one gets it added; xhci with 15 ports).", HelpName = "MODEL" };
        var token = new Option<long?>("--token") { Description = "The fencing token from 'reserve'; a stale one is refused.", HelpName = "N" };
        var migration = MigrationCommand.DecisionOption("--migration",
            "What a live migration does with it: refuse (the VM stays while it holds this very device), equivalent (the destination reserves a free one of the same vendor:product and label), drop (migrate without it). Default: the policy rule's word, else refuse for a device with a serial, equivalent without.");
        return new Command(
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

            --migration decides what a live migration of INSTANCE does with the device
            (change it later with 'usbpassctl migration'; ask with 'usbpassctl migrate-check').
            """)
        {
            device, instance, mode.Live, mode.Config, mandatory, controller, token, migration,
        }.Calls(Methods.DevicesAttach, ProtocolJson.Default.AttachParams, parse => new AttachParams
        {
            Device = parse.GetValue(device),
            Instance = parse.GetValue(instance),
            Mode = mode.Mode(parse),
            MissingPolicy = parse.GetValue(mandatory) ? "mandatory" : "optional",
            Controller = parse.GetValue(controller),
            Token = parse.GetValue(token),
            Migration = parse.GetValue(migration),
        }, ProtocolJson.Default.AssignmentResult, AssignmentText.Write);
    }
}
