using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace UsbPassd.Cli;

/// <summary>
/// --help as System.CommandLine writes it, except that <c>usbpassctl --help</c> lists each command on one
/// line, its summary, where the library would inline every command's whole description (which
/// <c>usbpassctl COMMAND --help</c> still gives). The layout stays the library's: after "Commands:", a row
/// a command that starts with two spaces and its name, as packaging/build-packages.sh reads it for the
/// man page.
/// </summary>
internal sealed class CommandListHelp(HelpAction help, IReadOnlyDictionary<Command, string> summaries) : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        if (parseResult.CommandResult.Command is not RootCommand)
        {
            return help.Invoke(parseResult);
        }

        // The library writes each command's Description in the list: the summaries stand in while it does.
        Dictionary<Command, string?> descriptions = summaries.Keys.ToDictionary(c => c, c => c.Description);
        try
        {
            foreach ((Command command, string summary) in summaries)
            {
                command.Description = summary;
            }

            return help.Invoke(parseResult);
        }
        finally
        {
            foreach ((Command command, string? description) in descriptions)
            {
                command.Description = description;
            }
        }
    }
}
