using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UsbPassd.Assignment;
using UsbPassd.Libvirt;
using UsbPassd.Metrics;
using UsbPassd.Registry;

namespace UsbPassd.Daemon.Services;

/// <summary>
/// The one thread that acts on libvirt after the fact (libvirt calls block): each scan's or policy's
/// commit, from the registry's feed, goes to <see cref="AssignmentService.Follow"/>; a reconnect, a domain's lifecycle event (started,
/// stopped, defined, undefined) or a hostdev added or removed by someone else to
/// <see cref="AssignmentService.Reconcile"/>, at most one queued at a time. Our own hostdev coming into
/// a domain is settled against the ledger (<see cref="OwnHostdevAdded"/>): a reconcile only when the
/// ledger does not hold it as ours.
/// </summary>
public sealed partial class ReplugService(DeviceRepository devices, AssignmentRepository ledger, AssignmentService assignments, LibvirtService libvirt, UsbPassd.Devices.LogPrivacy privacy, ILogger<ReplugService> log) : BackgroundService
{
    // A commit's changes to follow, our own hostdev to settle, or (neither) a reconcile with libvirt's truth.
    private sealed record Work(IReadOnlyList<RowChange>? Changes, long CommittedAt = 0, OwnHostdev? Added = null);

    private sealed record OwnHostdev(string Uuid, string Alias);

    private int _reconcileQueued;
    private IDisposable? _feed;
    private readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });

    // Our hostdevs (alias → domain UUID) that came while their claim was still attaching: the
    // ownership commit that confirms or rolls back the attach sends them to be judged again.
    private readonly ConcurrentDictionary<string, string> _awaiting = new(StringComparer.Ordinal);

    public ReconcileCounters Counters { get; } = new();

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Ownership changes are this service's and the RPCs' own doing: nothing to follow, but an
        // attach they settle may be one an own hostdev waits for.
        _feed = devices.Changes.Subscribe(commit =>
        {
            if (commit.Cause != ChangeCause.Ownership)
            {
                _queue.Writer.TryWrite(new Work(commit.Rows, System.Diagnostics.Stopwatch.GetTimestamp()));
            }
            else if (!_awaiting.IsEmpty)
            {
                Settling(commit.Rows);
            }
        });
        libvirt.Reconnected += () => QueueReconcile(ReconcileCause.Reconnect);
        assignments.ReconcileOwed += () => QueueReconcile(ReconcileCause.PassedOver);
        libvirt.DomainChanged += _ => QueueReconcile(ReconcileCause.Lifecycle);
        libvirt.HostdevChanged += (_, _) => QueueReconcile(ReconcileCause.Hostdev);
        libvirt.OwnHostdevAdded += (uuid, alias) => _queue.Writer.TryWrite(new Work(null, Added: new OwnHostdev(uuid, alias)));
        QueueReconcile(ReconcileCause.Start); // at start: settle what a crash or a stop left half done
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
            if (work.Added is OwnHostdev added)
            {
                Judge(added);
                continue;
            }

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
            finally
            {
                if (work.Changes is null)
                {
                    Counters.CountPassed();
                }
            }
        }
    }

    // A burst of lifecycle events (a host booting twenty VMs) needs one pass, not twenty.
    // Pending is counted before the request: whoever sees the request counted sees its pass pending (or done).
    public void QueueReconcile(ReconcileCause cause)
    {
        if (Interlocked.Exchange(ref _reconcileQueued, 1) == 0)
        {
            Counters.CountQueued();
            _queue.Writer.TryWrite(new Work(null));
        }

        Counters.CountRequested(cause);
    }

    // Our hostdev came: settled when the ledger holds its claim as attached. It is parked before
    // the ledger is read, so that a commit between the read and a decision to wait is not missed;
    // whoever takes it out of the parking (this, or the commit in Settling) judges it, once.
    private void Judge(OwnHostdev added)
    {
        _awaiting[added.Alias] = added.Uuid;
        OwnHostdevOutcome outcome;
        try
        {
            outcome = OwnHostdevAdded.Judge(ledger.OfInstance(added.Uuid).FirstOrDefault(c => c.Alias == added.Alias)?.State);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(e);
            outcome = OwnHostdevOutcome.Reconcile;
        }

        if (outcome == OwnHostdevOutcome.AwaitOperation || !_awaiting.TryRemove(new KeyValuePair<string, string>(added.Alias, added.Uuid)))
        {
            return;
        }

        LogOwnHostdev(added.Alias, added.Uuid, outcome == OwnHostdevOutcome.Settled ? "already attached in the ledger: nothing to reconcile" : "not attached in the ledger: reconciling with libvirt's XML");
        if (outcome == OwnHostdevOutcome.Settled)
        {
            Counters.CountOwnSettled();
        }
        else
        {
            QueueReconcile(ReconcileCause.OwnHostdev);
        }
    }

    // On the feed (under its lock: only queue): an attach an own hostdev waits for was confirmed or rolled back.
    private void Settling(IReadOnlyList<RowChange> rows)
    {
        foreach (RowChange change in rows)
        {
            if (change.Row is { DevId: string devId, Status: not DeviceStatus.Attaching }
                && _awaiting.TryRemove(HostdevXml.Alias(devId), out string? uuid))
            {
                _queue.Writer.TryWrite(new Work(null, Added: new OwnHostdev(uuid, HostdevXml.Alias(devId))));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{What}: {Port} → {Instance}, {TotalMs:0.0} ms after the commit ({LibvirtMs:0.0} ms of it in libvirt)")]
    private partial void LogFollowed(string what, string port, string instance, double totalMs, double libvirtMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "reconciled with libvirt's domain XML: {Changes} change(s)")]
    private partial void LogReconciled(int changes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "our hostdev {Alias} came into domain {Instance}: {Outcome}")]
    private partial void LogOwnHostdev(string alias, string instance, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "acting on libvirt (following a commit or reconciling) failed")]
    private partial void LogFailed(Exception e);
}
