using System.CommandLine;
using UsbPassd.Cli;

namespace UsbPassd.Tests.Integration.Cli;

/// <summary>
/// usbpassctl --help lists each command on one line, in the rows packaging/build-packages.sh reads for the
/// man page (after "Commands:", two spaces and the name); each command's own --help has its whole text.
/// </summary>
public sealed class HelpTests
{
    public static TheoryData<string> Commands => [.. Names];

    private static string[] Names => [.. UsbPassctl.Build().Subcommands.Select(c => c.Name)];

    private static string Help(params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        int code = UsbPassctl.Run(args, output, error);

        Assert.Equal(0, code);
        Assert.Equal("", error.ToString());
        return output.ToString();
    }

    [Fact]
    public void The_list_has_a_line_a_command_within_80_columns()
    {
        string[] lines = Help("--help").Split('\n');
        string[] rows = [.. lines.SkipWhile(l => l != "Commands:").Skip(1).TakeWhile(l => l.Length > 0)];

        Assert.All(rows, r => Assert.Matches("^  [a-z]", r));
        Assert.All(rows, r => Assert.True(r.Length <= 80, r));
        Assert.Equal(Names, rows.Select(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]));
        Assert.Contains("  reserve <DEVICE> <INSTANCE_UUID>  Hold a device for an instance before boot.", rows);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_commands_help_has_its_whole_description(string name)
    {
        Command command = UsbPassctl.Build().Subcommands.Single(c => c.Name == name);
        string help = Help(name, "--help");

        Assert.StartsWith("Description:\n", help);
        Assert.All(command.Description!.Split('\n').Where(l => l.Length > 0), l => Assert.Contains($"  {l}\n", help));
        Assert.Matches($"\nUsage:\n  [^ ]+ {name} ", help); // the program's name: testhost here
    }
}
