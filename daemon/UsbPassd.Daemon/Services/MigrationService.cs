using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UsbPassd.Assignment;
using UsbPassd.Libvirt;
using UsbPassd.Migration;

namespace UsbPassd.Daemon.Services;

/// <summary>
/// Live migration seen from this host (docs/migration.md). As the destination: the hook's
/// <c>migrate begin</c> reserves devices (<see cref="Incoming"/>, registry only: libvirtd waits for
/// the hook), then this service watches the domain until it has arrived (and connects the devices
/// again: QEMU's usb-host never reopens them after a migration) or is gone (the migration failed or
/// was cancelled: the reservations are released). As the source: a domain that stopped because it
/// migrated away gives back what it held. Incoming reservations are in the registry, so a daemon
/// restarted mid-migration watches them again.
/// </summary>
public sealed partial class MigrationService(AssignmentService assignments, LibvirtService libvirt, PlacementService placement, ILogger<MigrationService> log) : BackgroundService
{
    // How long an incoming domain that libvirt does not know (yet) is waited for before its
    // reservations are released: the hook answers before libvirt defines the domain.
    private static readonly TimeSpan NotYetDefined = TimeSpan.FromSeconds(60);

    // Polled while migrations are under way: the domain's state is the truth, events only hurry it.
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, Watch> _incoming = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ConcurrentQueue<string> _departed = new();

    private sealed class Watch(DateTimeOffset since)
    {
        public DateTimeOffset Since { get; } = since;

        public bool Seen { get; set; }
    }

    /// <summary>Migrations this host is receiving now (for host.info and tests).</summary>
    public int Arriving => _incoming.Count;

    /// <summary>
    /// The destination's answer to <c>migrate begin</c>: reserves a device for each of our hostdevs
    /// and returns the XML pointed at them (null: unchanged). Never calls libvirt. With Placement on,
    /// the instance's USB allocation moves to the reserved devices' providers first (a refusal there
    /// refuses the migration; Placement down or slow does not: the move is retried in the background).
    /// </summary>
    /// <exception cref="AssignmentRefusedException">The migration may not come here.</exception>
    public async Task<IncomingPrepared> IncomingAsync(IncomingDomain domain, TimeSpan placementWait, CancellationToken ct)
    {
        IncomingPrepared prepared = assignments.PrepareIncoming(domain);
        if (domain.Hostdevs.Count == 0)
        {
            return prepared;
        }

        foreach ((Registry.DeviceRow row, IncomingHostdev _) in prepared.Reserved)
        {
            if (await placement.MoveForMigrationAsync(domain.Uuid, row.DevId!, row.VendorId!, row.ProductId!, placementWait, ct) is string refusal)
            {
                Abandon(domain.Uuid);
                throw new AssignmentRefusedException(RefusalReason.DomainRefuses, $"Placement: {refusal}");
            }
        }

        _incoming[domain.Uuid] = new Watch(DateTimeOffset.UtcNow);
        LogIncoming(domain.Name, domain.Uuid, prepared.Reserved.Count, domain.Hostdevs.Count - prepared.Reserved.Count);
        _wake.Release();
        return prepared;
    }

    /// <summary>The destination gave up before anything moved (a later hook refused): release at once.</summary>
    public void Abandon(string uuid)
    {
        _incoming.TryRemove(uuid, out _);
        if (assignments.AbandonIncoming(uuid) is { Count: > 0 } released)
        {
            LogAbandoned(uuid, released);
            _ = placement.RevertMigrationAsync(uuid, CancellationToken.None); // the source's provider back to the instance (idempotent, retried when Placement is away)
        }
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (string uuid in assignments.IncomingInstances())
        {
            _incoming[uuid] = new Watch(DateTimeOffset.UtcNow); // reserved before a restart: watched again
        }

        libvirt.DomainChanged += uuid =>
        {
            if (_incoming.ContainsKey(uuid))
            {
                _wake.Release();
            }
        };
        libvirt.DomainMigratedAway += uuid =>
        {
            _departed.Enqueue(uuid);
            _wake.Release();
        };
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(_incoming.IsEmpty ? Timeout.InfiniteTimeSpan : Poll, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            while (_departed.TryDequeue(out string? uuid))
            {
                Depart(uuid);
            }

            foreach ((string uuid, Watch watch) in _incoming)
            {
                Check(uuid, watch);
            }
        }
    }

    private void Depart(string uuid)
    {
        try
        {
            if (assignments.Departed(uuid) is { Count: > 0 } released)
            {
                LogDeparted(uuid, released);
            }
        }
        catch (Registry.RegistryException e)
        {
            LogFailed(uuid, e.Message); // the reconcile after libvirt's stop event releases them too
        }
    }

    private void Check(string uuid, Watch watch)
    {
        try
        {
            IReadOnlyList<Followed>? done = assignments.Arrive(uuid);
            if (done is null)
            {
                watch.Seen = true; // still arriving
                return;
            }

            _incoming.TryRemove(uuid, out _);
            _ = placement.FinishMigrationAsync(uuid, CancellationToken.None); // the migration consumer's hold on the source's provider ends
            foreach (Followed f in done)
            {
                LogArrived(f.Instance, f.PortId, f.What, f.TotalMs);
            }
        }
        catch (AssignmentRefusedException e) when (e.Reason == RefusalReason.InstanceNotFound)
        {
            if (watch.Seen || DateTimeOffset.UtcNow - watch.Since > NotYetDefined)
            {
                Abandon(uuid); // the migration failed or was cancelled: libvirt removed the incoming domain
            }
        }
        catch (AssignmentRefusedException e) when (e.Reason is RefusalReason.LibvirtUnavailable or RefusalReason.LibvirtFailed)
        {
            // libvirtd restarts: asked again at the next poll.
        }
        catch (Exception e) when (e is LibvirtException or Registry.RegistryException)
        {
            LogFailed(uuid, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "incoming live migration of {Name} ({Uuid}): {Reserved} device(s) reserved here, {Dropped} dropped")]
    private partial void LogIncoming(string name, string uuid, int reserved, int dropped);

    [LoggerMessage(Level = LogLevel.Information, Message = "live migration of {Uuid} did not arrive (failed or cancelled): released {Devices}")]
    private partial void LogAbandoned(string uuid, IReadOnlyList<string> devices);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Domain} arrived by live migration: {Port} {What} ({Ms:0} ms)")]
    private partial void LogArrived(string domain, string port, string what, double ms);

    [LoggerMessage(Level = LogLevel.Information, Message = "domain {Uuid} migrated to another host: released {Devices}")]
    private partial void LogDeparted(string uuid, IReadOnlyList<string> devices);

    [LoggerMessage(Level = LogLevel.Warning, Message = "live migration of {Uuid}: {Why}; tried again")]
    private partial void LogFailed(string uuid, string why);
}
