using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace UsbPassd.Daemon.Services;

/// <summary>
/// Type=notify, what <see cref="SystemdLifetime"/> does not send: STATUS= as things change, and
/// WATCHDOG=1 only while the pipeline answers. (READY=1 once every hosted service has started, the
/// registry migrated, the uevent socket bound, the start-up scan reconciled, and STOPPING=1 come from
/// the lifetime.)
/// </summary>
public sealed partial class SystemdService(
    ISystemdNotifier notifier,
    UeventService uevents,
    IHostApplicationLifetime lifetime,
    ILogger<SystemdService> log) : IHostedService, IDisposable
{
    private PeriodicTimer? _watchdog;
    private Task _watchdogTask = Task.CompletedTask;
    private readonly CancellationTokenSource _stop = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            Send($"STATUS={uevents.Status}");
            LogReady(Environment.ProcessId, uevents.Status);
        });
        lifetime.ApplicationStopping.Register(() => Send("STATUS=stopping"));

        if (notifier.IsEnabled && WatchdogInterval() is TimeSpan interval)
        {
            _watchdog = new PeriodicTimer(interval / 2);
            _watchdogTask = Task.Run(() => WatchdogAsync(interval, _stop.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        await _watchdogTask.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task WatchdogAsync(TimeSpan interval, CancellationToken ct)
    {
        bool unhealthyLogged = false;
        while (await _watchdog!.WaitForNextTickAsync(ct))
        {
            uevents.TryPing();
            bool answered = Stopwatch.GetElapsedTime(uevents.LastAlive) < interval;
            if (uevents.LoopsRunning && answered)
            {
                Send($"WATCHDOG=1\nSTATUS={uevents.Status}");
                unhealthyLogged = false;
            }
            else if (!unhealthyLogged)
            {
                // Withholding the ping lets systemd restart us (Restart=on-failure).
                LogUnhealthy(uevents.LoopsRunning ? "does not answer" : "has stopped");
                unhealthyLogged = true;
            }
        }
    }

    // WATCHDOG_USEC is for us only when WATCHDOG_PID is unset or ours.
    private static TimeSpan? WatchdogInterval()
    {
        string? pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out long usec) && usec > 0
            && (pid is null || pid == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            ? TimeSpan.FromMicroseconds(usec)
            : null;
    }

    private void Send(string state)
    {
        if (!notifier.IsEnabled)
        {
            return;
        }

        // The notifier throws what the socket throws; systemd going away must not stop us.
        try
        {
            notifier.Notify(new ServiceState(state));
        }
        catch (System.Net.Sockets.SocketException e)
        {
            LogNotifyFailed(e.Message);
        }
    }

    public void Dispose()
    {
        _watchdog?.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "usbpassd {Pid} ready: {Status}")]
    private partial void LogReady(int pid, string status);

    [LoggerMessage(Level = LogLevel.Error, Message = "the event pipeline {What}: withholding the watchdog ping")]
    private partial void LogUnhealthy(string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "sd_notify failed: {Error}")]
    private partial void LogNotifyFailed(string error);
}
