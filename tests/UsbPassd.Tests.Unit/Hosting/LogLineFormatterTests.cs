using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using UsbPassd.Daemon.Hosting;

namespace UsbPassd.Tests.Unit.Hosting;

/// <summary>A device string in a log message can neither forge a line nor reach a terminal raw.</summary>
public sealed class LogLineFormatterTests
{
    // A serial as a hostile device reports it: colour, window title, bell, CR LF and a forged journal line.
    private const string Serial = "EVIL\u001b[31mRED\u001b]0;pwned\u0007\r\n<3>usbpassd: forged\u202e";

    [Theory]
    [InlineData(true, "<6>UsbPassd.Replug[7] attached 46f4:0001:")]
    [InlineData(false, "info: UsbPassd.Replug[7] attached 46f4:0001:")]
    public void One_event_is_one_line_with_device_strings_escaped(bool journal, string start)
    {
        string line = Format(journal, LogLevel.Information, $"attached 46f4:0001:{Serial}", null);

        Assert.Contains(start, line);
        Assert.EndsWith("EVIL\\x1b[31mRED\\x1b]0;pwned\\x07\\x0d\\x0a<3>usbpassd: forged\\u202e\n", line);
        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain(line[..^1], c => char.IsControl(c));
    }

    [Fact]
    public void An_exception_joins_the_line_escaped()
    {
        string line = Format(true, LogLevel.Error, "sync failed", new InvalidOperationException("bad serial " + Serial));

        Assert.StartsWith("<3>UsbPassd.Replug[7] sync failed System.InvalidOperationException: bad serial EVIL\\x1b[31m", line);
        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData(LogLevel.Debug, "<7>")]
    [InlineData(LogLevel.Warning, "<4>")]
    [InlineData(LogLevel.Critical, "<2>")]
    public void Journal_lines_carry_the_syslog_priority(LogLevel level, string prefix) =>
        Assert.StartsWith(prefix, Format(true, level, "x", null));

    private static string Format(bool journal, LogLevel level, string message, Exception? error)
    {
        var writer = new StringWriter();
        var entry = new LogEntry<string>(level, "UsbPassd.Replug", new EventId(7), message, error, (s, _) => s);
        new LogLineFormatter(journal).Write(entry, null, writer);
        return writer.ToString();
    }
}
