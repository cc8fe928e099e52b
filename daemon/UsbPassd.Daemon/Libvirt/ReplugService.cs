using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UsbPassd.Assignment;
using UsbPassd.Registry;

namespace UsbPassd.Daemon.Libvirt;

/// <summary>
/// The one thread that acts on libvirt after the fact (libvirt calls block): each scan's or policy's
/// commit, from the registry's feed, goes to <see cref="AssignmentService.Follow"/>; a reconnect, a domain's lifecycle event (started,
/// stopped, defined, undefined) or a hostdev added or removed by someone else to
/// <see cref="AssignmentService.Reconcile"/>, at most one queued at a time.
/// </summary>
public sealed partial class ReplugService(DeviceRepository devices, AssignmentService assignments, LibvirtService libvirt, UsbPassd.Devices.LogPrivacy privacy, ILogger<ReplugService> log) : BackgroundService
{
    // Either a commit's changes to follow, or (Changes null) a reconcile with libvirt's truth.
    private sealed record Work(IReadOnlyList<RowChange>? Changes, long CommittedAt = 0);

    private int _reconcileQueued;
    private IDisposable? _feed;
    private readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Ownership changes are this service's and the RPCs' own doing: nothing to follow.
        _feed = devices.Changes.Subscribe(commit =>
        {
            if (commit.Cause != ChangeCause.Ownership)
            {
                _queue.Writer.TryWrite(new Work(commit.Rows, System.Diagnostics.Stopwatch.GetTimestamp()));
            }
        });
        libvirt.Reconnected += QueueReconcile;
        libvirt.DomainChanged += _ => QueueReconcile();
        QueueReconcile(); // at start: settle what a crash or a stop left half done
        return base.StartAsync(cancellationToken);
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _feed?.Dispose();
        return base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (Work work in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            if (work.Changes is null)
            {
                Interlocked.Exchange(ref _reconcileQueued, 0); // events from now on need another pass
            }

            try
            {
                IReadOnlyList<Followed> done = work.Changes is null ? assignments.Reconcile() : assignments.Follow(work.Changes, work.CommittedAt);
                foreach (Followed f in done)
                {
                    string what = privacy.Scrub(f.What);
                    LogFollowed(what, f.PortId, f.Instance, f.TotalMs, f.LibvirtMs);
                }

                if (work.Changes is null)
                {
                    LogReconciled(done.Count);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(e);
            }
        }
    }

    // A burst of lifecycle events (a host booting twenty VMs) needs one pass, not twenty.
    public void QueueReconcile()
    {
        if (Interlocked.Exchange(ref _reconcileQueued, 1) == 0)
        {
            _queue.Writer.TryWrite(new Work(null));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{What}: {Port} → {Instance}, {TotalMs:0.0} ms after the commit ({LibvirtMs:0.0} ms of it in libvirt)")]
    private partial void LogFollowed(string what, string port, string instance, double totalMs, double libvirtMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "reconciled with libvirt's domain XML: {Changes} change(s)")]
    private partial void LogReconciled(int changes);

    [LoggerMessage(Level = LogLevel.Error, Message = "acting on libvirt (following a commit or reconciling) failed")]
    private partial void LogFailed(Exception e);
}
