using System.CommandLine;
using UsbPassd.Cli.Output;
using UsbPassd.Devices;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;
using UsbPassd.Rpc;

namespace UsbPassd.Cli.Commands;

/// <summary><c>usbpassctl scan</c>: offline discovery straight from sysfs, no daemon needed.</summary>
internal static class ScanCommand
{
    public static Command Create()
    {
        var sysfsRoot = new Option<DirectoryInfo>("--sysfs-root")
        {
            Description = "Directory that plays the role of /sys (a copy of a host's sysfs, a test tree).",
            HelpName = "DIR",
            DefaultValueFactory = _ => new DirectoryInfo("/sys"),
        };
        var usbIds = new Option<FileInfo>("--usb-ids")
        {
            Description = "usb.ids database for vendor and product names (Debian package usb.ids).",
            HelpName = "FILE",
            DefaultValueFactory = _ => new FileInfo(UsbIds.DefaultPath),
        };
        var json = CommonOptions.Json();
        var command = new Command(
            "scan",
            """
            List the USB devices this host has, read directly from sysfs (no daemon needed).

            Columns: BUS and DEV (devnum) as lsusb shows them; PORT, where the device is plugged
            (bus-port.port..., stable while it stays in that port); ID vendor:product; NAME from
            usb.ids, else the device's own strings; SERIAL ('-' when the device has none);
            PASS, whether it can be passed to a VM ('no: hub' for hubs and root hubs;
            'port only' for ambiguous twins that can be told apart only by their port).

            Entries that cannot be read are reported on stderr, one line each, and skipped.

            Examples:
              usbpassctl scan
              usbpassctl scan --json | jq '.[] | select(.eligible) | .dev_id'
              usbpassctl scan --sysfs-root /tmp/sys-copy
            """)
        {
            sysfsRoot, usbIds, json,
        };
        command.SetAction(parse => Run(
            parse.GetValue(sysfsRoot)!.FullName,
            parse.GetValue(usbIds)!.FullName,
            parse.GetValue(json),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(string sysfsRoot, string usbIdsPath, bool json, TextWriter output, TextWriter error)
    {
        DeviceScan scan = new SysfsScanner(sysfsRoot).Scan();
        if (!scan.BusPresent)
        {
            error.WriteLine(Terminal.Safe($"usbpassctl: no USB bus at {Path.Combine(sysfsRoot, "bus/usb/devices")}."));
            error.WriteLine(sysfsRoot == "/sys"
                ? "This kernel has no USB support loaded (try 'modprobe usbcore xhci-pci'), or this is a container without /sys/bus/usb."
                : "--sysfs-root must name a directory laid out like /sys (with bus/usb/devices).");
            return UsbPassctl.Failed;
        }

        foreach (ScanProblem problem in scan.Skipped)
        {
            error.WriteLine(Terminal.Safe($"usbpassctl: {problem}")); // the reason quotes what sysfs holds
        }

        UsbIds names = LoadNames(usbIdsPath, error);
        UsbDeviceInfo[] devices = [.. Inventory.Build(scan.Devices, names).Select(d => d.ToFacts(names).ToInfo())];
        if (json)
        {
            JsonOutput.Write(output, devices);
            return UsbPassctl.Ok;
        }

        DeviceTable.Write(output, devices);
        int eligible = devices.Count(d => d.Eligible);
        output.WriteLine();
        output.WriteLine($"{devices.Length} device{(devices.Length == 1 ? "" : "s")}, {eligible} eligible for passthrough" +
            (scan.Skipped.Count > 0 ? $", {scan.Skipped.Count} skipped (see above)" : ""));
        return UsbPassctl.Ok;
    }

    private static UsbIds LoadNames(string path, TextWriter error)
    {
        try
        {
            return UsbIds.Load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine(Terminal.Safe($"usbpassctl: no names from {path} ({e.Message}); showing the devices' own strings. Install the usb.ids package or pass --usb-ids FILE."));
            return UsbIds.Empty;
        }
    }
}
