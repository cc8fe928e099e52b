using System.CommandLine;

namespace UsbPassd.Cli.Commands;

/// <summary>Options that mean the same on every command.</summary>
internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json")
    {
        Description = "Print machine-readable JSON (snake_case fields, nulls kept) instead of a table.",
    };
}
