using System.CommandLine;

namespace UsbPassd.Cli.Commands;

/// <summary>Options and arguments that mean the same on every command that takes them.</summary>
internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json")
    {
        Description = "Print machine-readable JSON (snake_case fields, nulls kept) instead of a table.",
    };

    public static Argument<string> Device() => new("DEVICE") { Description = "A port (1-4.2), registry id, address (usb_2_3) or dev_id." };

    public static Argument<string> Instance() => new("INSTANCE") { Description = "The libvirt domain: UUID or name." };
}
