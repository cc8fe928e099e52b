using System.CommandLine;

namespace UsbPassd.Cli.Commands;

/// <summary>--live and --config of attach, detach and swap, as the mode the daemon takes (neither: auto).</summary>
internal sealed class ModeOptions(string live, string config)
{
    public Option<bool> Live { get; } = new("--live") { Description = live };

    public Option<bool> Config { get; } = new("--config") { Description = config };

    public string Mode(ParseResult parse) => (parse.GetValue(Live), parse.GetValue(Config)) switch
    {
        (true, false) => "live",
        (false, true) => "config",
        _ => "auto",
    };
}
