using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using UsbPassd.Devices;

namespace UsbPassd.Daemon.Hosting;

/// <summary>
/// usbpassd's log lines: one event, one line, whatever a device string in it holds. The stock console
/// formatters write a message as given (the systemd one only turns LF into a space), so a serial with
/// CR, ESC or a C1 CSI reached the journal and, through <c>journalctl -a</c> or a terminal, the
/// operator's screen, and a serial with LF could forge a log line of its own. Message and exception are
/// escaped as <see cref="PrintableText.Line"/> escapes usbpassctl's output. Under systemd
/// (<paramref name="journal"/>) a line is <c>&lt;N&gt;Category[event] message</c> with the syslog
/// priority journald reads; on a terminal <c>HH:mm:ss.fff level: Category[event] message</c>.
/// </summary>
internal sealed class LogLineFormatter(bool journal) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "usbpassd";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        string message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (logEntry.Exception is null && message.Length == 0)
        {
            return;
        }

        textWriter.Write(journal ? Priority(logEntry.LogLevel) : DateTime.Now.ToString("HH:mm:ss.fff ", CultureInfo.InvariantCulture) + Level(logEntry.LogLevel) + ": ");
        textWriter.Write(logEntry.Category);
        textWriter.Write('[');
        textWriter.Write(logEntry.EventId.Id);
        textWriter.Write("] ");
        textWriter.Write(PrintableText.Line(message));
        if (logEntry.Exception is { } e)
        {
            // A stack trace's lines become one line, as systemd's own formatter does; its other controls are escaped.
            textWriter.Write(' ');
            textWriter.Write(PrintableText.Line(e.ToString().Replace(Environment.NewLine, " ", StringComparison.Ordinal)));
        }

        textWriter.Write('\n');
    }

    // sd-daemon(3)'s prefixes, as journald parses them from a service's stdout.
    private static string Priority(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "<7>",
        LogLevel.Information => "<6>",
        LogLevel.Warning => "<4>",
        LogLevel.Error => "<3>",
        _ => "<2>",
    };

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };
}
