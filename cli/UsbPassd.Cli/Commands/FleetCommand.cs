using System.CommandLine;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl fleet list | place | release</c>: every host's USB devices in OpenStack Placement.</summary>
internal static class FleetCommand
{
    public static Command Create() =>
        new(
            "fleet",
            $"""
            Every host's USB devices in OpenStack Placement, as each host's usbpassd keeps them there
            (a "placement" section in usbpassd.json; docs/placement.md): one child provider of the
            host's provider per device, class CUSTOM_USB_VVVV_PPPP, traits CUSTOM_USBPASSD_DEVICE,
            CUSTOM_USB_SERIAL_<serial>, CUSTOM_USB_CLASS_<xx>, CUSTOM_USB_LABEL_<label>.

              list      every device: host, id, serial, labels, free / unavailable / in use by whom
              place     choose a free device for a consumer (an instance UUID) and allocate it
              release   delete a consumer's allocations (the device becomes free)

            Nova does what 'place' does from a flavor's extra specs (resources1:CUSTOM_USB_…=1,
            trait1:CUSTOM_USB_SERIAL_…=required); 'place' is the reference for other schedulers.

            {FleetConnection.Help}

            Examples:
              usbpassctl fleet list --os-cloud mycloud
              usbpassctl fleet place --serial 4C530001071107105463 --consumer $(uuidgen)
              usbpassctl fleet release --consumer 6f1c0a3e-0000-4000-8000-000000000001
            """)
        {
            FleetListCommand.Create(), FleetPlaceCommand.Create(), FleetReleaseCommand.Create(),
        };
}
