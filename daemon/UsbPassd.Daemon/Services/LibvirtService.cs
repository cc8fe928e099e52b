using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UsbPassd.Assignment;
using UsbPassd.Daemon.Hosting;
using UsbPassd.Libvirt;

namespace UsbPassd.Daemon.Services;

/// <summary>
/// Holds the libvirt connection: opened at start (a libvirtd that is down is not fatal: usbpassd
/// keeps registering devices), reopened when libvirtd closes it (restart, keepalive timeout), with
/// device-removed events routed to the assignment service (a detach waiting for them), our own
/// hostdevs' arrivals raised to be settled against the ledger, and lifecycle events and other
/// hostdev comings and goings raised for reconciling.
/// </summary>
public sealed partial class LibvirtService(DaemonOptions options, Removals removals, ILogger<LibvirtService> log) : IHostedService, IDisposable
{
    // virDomainEventType VIR_DOMAIN_EVENT_STOPPED and its detail VIR_DOMAIN_EVENT_STOPPED_MIGRATED.
    private const int StoppedEvent = 5;
    private const int StoppedMigrated = 3;

    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private LibvirtConnection? _connection;
    private bool _attempted;
    private int _reconnecting;
    private bool _unreachableLogged;
    private int _disposed;

    /// <summary>Raised after a connection was (re)opened later than at start: events were lost meanwhile, so the ledger is reconciled.</summary>
    public event Action? Reconnected;

    /// <summary>Raised (on libvirt's event thread: only queue) with the domain's UUID when it started, stopped, was defined or undefined.</summary>
    public event Action<string>? DomainChanged;

    /// <summary>Raised (on libvirt's event thread: only queue) with the domain's UUID when it stopped here because it migrated to another host.</summary>
    public event Action<string>? DomainMigratedAway;

    /// <summary>Raised (on libvirt's event thread: only queue) with (domain UUID, alias) when a hostdev came or went that usbpassd did not put there or wait for.</summary>
    public event Action<string, string>? HostdevChanged;

    /// <summary>Raised (on libvirt's event thread: only queue) with (domain UUID, alias) when one of our own hostdevs came into a domain.</summary>
    public event Action<string, string>? OwnHostdevAdded;

    /// <summary>The libvirt functions called so far, over every connection (for the metrics).</summary>
    public LibvirtCalls Calls { get; } = new();

    /// <summary>disabled, connected or disconnected (for host.info).</summary>
    public string State => !options.LibvirtEnabled ? "disabled" : Current() is { IsAlive: true } ? "connected" : "disconnected";

    /// <summary>The connection, reopened if libvirtd closed it; null when libvirt is disabled or unreachable.</summary>
    public LibvirtConnection? Current()
    {
        if (!options.LibvirtEnabled)
        {
            return null;
        }

        lock (_lock)
        {
            if (_connection is { IsAlive: true })
            {
                return _connection;
            }

            bool reopening = _attempted;
            _attempted = true;
            _connection?.Dispose();
            _connection = null;
            try
            {
                _connection = LibvirtConnection.Open(options.LibvirtUri, Calls);
                // A hostdev that came or went without us waiting for it (virsh by hand, or libvirtd
                // finishing an attach whose caller died) changes who owns a device: reconcile. Our
                // own hostdev coming is, as a rule, our attach: the ledger says whether it is settled.
                _connection.DeviceRemoved += (uuid, alias) =>
                {
                    if (!removals.OnDeviceRemoved(uuid, alias) && HostdevAlias.Owner(alias) != AliasOwner.NotHostdev)
                    {
                        HostdevChanged?.Invoke(uuid, alias);
                    }
                };
                _connection.DeviceAdded += (uuid, alias) =>
                {
                    switch (HostdevAlias.Owner(alias))
                    {
                        case AliasOwner.Ours:
                            OwnHostdevAdded?.Invoke(uuid, alias);
                            break;
                        case AliasOwner.Other:
                            HostdevChanged?.Invoke(uuid, alias);
                            break;
                    }
                };
                _connection.Closed += reason =>
                {
                    LogClosed(reason);
                    ScheduleReconnect();
                };
                _connection.Lifecycle += (uuid, type, detail) =>
                {
                    if ((type, detail) == (StoppedEvent, StoppedMigrated))
                    {
                        DomainMigratedAway?.Invoke(uuid);
                    }

                    DomainChanged?.Invoke(uuid);
                };
                LogConnected(options.LibvirtUri);
                _unreachableLogged = false;
                if (reopening)
                {
                    ThreadPool.QueueUserWorkItem(_ => Reconnected?.Invoke());
                }
            }
            catch (LibvirtException e)
            {
                if (!_unreachableLogged)
                {
                    LogUnreachable(options.LibvirtUri, e.Message); // once per outage; the retries are quiet
                    _unreachableLogged = true;
                }

                ScheduleReconnect();
            }

            return _connection;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Current();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel(); // before Dispose: the container stops, then disposes
        return Task.CompletedTask;
    }

    // The container disposes us twice (as a singleton and as a hosted service).
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stopping.Cancel();
        _stopping.Dispose();
        _connection?.Dispose();
    }

    // Nobody may call us while libvirtd is away, yet its events (lifecycle, device removed) only
    // flow on an open connection: retry in the background, backing off to every 5 s.
    private void ScheduleReconnect()
    {
        if (Interlocked.Exchange(ref _reconnecting, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                for (var delay = TimeSpan.FromMilliseconds(250); Current() is null; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.TicksPerSecond * 5)))
                {
                    await Task.Delay(delay, _stopping.Token);
                }
            }
            catch (OperationCanceledException)
            {
                return; // stopping
            }
            finally
            {
                Volatile.Write(ref _reconnecting, 0);
            }

            if (Current() is null)
            {
                ScheduleReconnect(); // closed again between the open and the reset above
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "connected to libvirt at {Uri}")]
    private partial void LogConnected(string uri);

    [LoggerMessage(Level = LogLevel.Warning, Message = "libvirt at {Uri} is unreachable ({Why}); retrying every few seconds; attach and detach are refused until then, discovery goes on")]
    private partial void LogUnreachable(string uri, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "libvirtd closed the connection (reason {Reason}); reconnecting")]
    private partial void LogClosed(int reason);
}
