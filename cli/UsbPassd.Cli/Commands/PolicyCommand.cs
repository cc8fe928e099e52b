using System.CommandLine;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl policy check | show | reload</c>: which devices may leave this host.</summary>
internal static class PolicyCommand
{
    public static Command Create() =>
        new(
            "policy",
            """
            Which devices may leave this host. Rules live in /etc/usbpassd/policy.rules (one per
            line, first match wins; '#' comments) after the seed's JSON lists in usbpassd.json
            (passthrough_blocklist, then passthrough_allowlist):

              allow|block [id VVVV:PPPP] [serial "S"] [name "N"] [via-port "1-4.2"]
                          [with-interface CC:SS:PP] [label "why"] [override CHECK]
                          [migration refuse|equivalent|drop]
              default allow|block [label "why"] [migration refuse|equivalent|drop]

            Wildcards: 0529:*, *:*, 08:*:*. Sets: with-interface one-of { 03:01:01 08:*:* }
            (also all-of, none-of, equals). Host safety, on for every device: hubs and root
            hubs, storage mounted on the host, used as swap or held by device-mapper/RAID, and
            the last keyboard of a host with a local console are refused; only an allow rule
            that names the check lifts it, e.g.
              allow id 0781:5581 serial "4C53" override mounted-storage label "scratch disk"
            'migration' (allow rules only) is what a live migration does with the devices
            the rule allows: refuse (the VM stays), equivalent (the destination must have a
            free device of the same vendor:product and label), drop (it goes without it).
            Without it: refuse for a device with a serial, equivalent for one without.

            Examples:
              usbpassctl policy check 1-4.2
              usbpassctl policy show
              usbpassctl policy reload        (or: systemctl reload usbpassd / kill -HUP)
            """)
        {
            PolicyCheckCommand.Create(), PolicyShowCommand.Create(), PolicyReloadCommand.Create(),
        };
}
