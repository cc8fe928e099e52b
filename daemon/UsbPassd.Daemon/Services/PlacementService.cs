using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UsbPassd.Daemon.Hosting;
using UsbPassd.Placement;
using UsbPassd.Registry;

namespace UsbPassd.Daemon.Services;

/// <summary>
/// Keeps this host's devices in OpenStack Placement (<c>"placement"</c> in usbpassd.json; off
/// without it). The registry's feed hands each commit's rows to this service's own queue (the writer
/// never waits on Placement); one loop turns them into <see cref="DeviceOffer"/>s and lets
/// <see cref="PlacementSync"/> send the differences. Placement unreachable: logged once, retried
/// every few seconds, caught up when it is back (logged once). A refused token, right or microversion:
/// logged once with what to fix, retried every 30 s. The state is <see cref="Status"/>.
/// Allocations: the tree is polled every <c>poll_seconds</c> (one request while nothing moves), and a
/// domain about to start has its consumer looked up at once (<see cref="BeforeStartAsync"/>); the
/// <see cref="AllocationFollower"/> makes the ledger follow, and libvirt's lifecycle events bring
/// an allocated device to its instance's domain when that starts. A live migration's allocation moves
/// with it (PlacementService.Migration.cs).
/// </summary>
public sealed partial class PlacementService(DaemonOptions options, DeviceRepository devices, PolicyService policy, AllocationFollower follower, LibvirtService libvirt, ILogger<PlacementService> log) : BackgroundService
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];
    private static readonly TimeSpan OperatorBackoff = TimeSpan.FromSeconds(30);

    private readonly Channel<IReadOnlyList<DeviceRow>> _queue = Channel.CreateUnbounded<IReadOnlyList<DeviceRow>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<string> _started = new(); // domains whose lifecycle moved
    private readonly ConcurrentQueue<(Guid Consumer, TaskCompletionSource<string?> Answer)> _lookups = new();
    private IDisposable? _feed;
    private PlacementSyncStatus _status = PlacementSyncStatus.Off;

    /// <summary>The one registration (Daemon.cs): the service, and itself as a hosted service.</summary>
    public static void AddTo(IServiceCollection services)
    {
        services.AddSingleton<AllocationFollower>();
        services.AddSingleton<PlacementService>();
        services.AddHostedService(sp => sp.GetRequiredService<PlacementService>());
    }

    /// <summary>For host.info and the metrics.</summary>
    public PlacementSyncStatus Status => Volatile.Read(ref _status);

    /// <summary>host.info's view of <paramref name="s"/>; null when the sync is off.</summary>
    public static UsbPassd.Protocol.Messages.PlacementInfo? Info(PlacementSyncStatus s) => !s.Enabled ? null : new()
    {
        State = s.Connected ? "connected" : "disconnected",
        Endpoint = s.Endpoint,
        RootProvider = s.Root,
        RootProviderUuid = s.RootUuid?.ToString(),
        Providers = s.Providers,
        Pending = s.Pending,
        Requests = s.Requests,
        Problem = s.Problem,
        Allocated = s.Allocated,
        Conflicts = s.Conflicts,
        LastSyncAt = s.LastSync is DateTimeOffset t ? Timestamps.Format(t) : null,
    };

    /// <summary>
    /// The hook's <c>prepare begin</c>: Placement is asked at once what the domain's consumer holds
    /// here, so its devices are reserved for it before it starts. Null to let it start; a sentence
    /// when a device allocated to it is held here by another instance. Placement off, down or slow
    /// (<paramref name="wait"/>) never stops a start: the poll catches up.
    /// </summary>
    public async Task<string?> BeforeStartAsync(string domainUuid, TimeSpan wait, CancellationToken ct)
    {
        if (options.Placement is null || !Status.Connected || !Guid.TryParse(domainUuid, out Guid consumer))
        {
            return null;
        }

        var answer = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _lookups.Enqueue((consumer, answer));
        _queue.Writer.TryWrite([]);
        try
        {
            return await answer.Task.WaitAsync(wait, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogLookupSlow(domainUuid, wait.TotalSeconds);
            return null;
        }
    }

    private void OnDomainChanged(string uuid)
    {
        _started.Enqueue(uuid);
        _queue.Writer.TryWrite([]);
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Placement is not null)
        {
            // Loaded and subscribed with no commit in between: none is missed or seen twice. Deleted rows
            // too: a device gone while usbpassd was down (its row deleted by the start-up scan, before
            // this) may have a provider, which must be said unavailable with its class and traits; a
            // crash between its creation and its inventory left it with neither (crash point
            // placement.create.after, then the device pulled before the restart).
            _feed = devices.Changes.Quiet(() =>
            {
                _queue.Writer.TryWrite(devices.ListAll());
                return devices.Changes.Subscribe(change => _queue.Writer.TryWrite([.. change.Rows.Select(r => r.Row).OfType<DeviceRow>()]));
            });
            libvirt.DomainChanged += OnDomainChanged;
        }

        return base.StartAsync(cancellationToken);
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        libvirt.DomainChanged -= OnDomainChanged;
        _feed?.Dispose();
        return base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Placement is not PlacementOptions settings)
        {
            return;
        }

        IPlacementAuth auth;
        string endpointId;
        try
        {
            (auth, endpointId) = Authentication(settings);
        }
        catch (InvalidOperationException e)
        {
            LogCannotStart(e.Message);
            Publish(new PlacementSyncStatus(true, false, null, settings.RootName, null, e.Message, 0, 0, 0, null, 0, 0));
            return;
        }

        using var client = new PlacementClient(auth);
        var offers = new DeviceOffers(settings.RootName, LabelOf, settings.OperatorTraits());
        var sync = new PlacementSync(client, settings.RootName, endpointId, Path.Combine(options.StateDirectory, "placement-sync.json"));
        await RunAsync(sync, offers, client, endpointId, settings.RootName, stoppingToken).ConfigureAwait(false);
        (auth as IDisposable)?.Dispose();
    }

    private async Task RunAsync(PlacementSync sync, DeviceOffers offers, PlacementClient client, string endpoint, string root, CancellationToken ct)
    {
        TimeSpan poll = options.Placement!.Poll;
        bool connected = false;
        bool everConnected = false;
        string? reported = null; // the failure last logged: each is said once
        long lostAt = 0;
        long polledAt = 0;
        int failures = 0;
        while (!ct.IsCancellationRequested)
        {
            Drain(sync, offers);
            AttachStarted(); // libvirt's news needs no Placement: a reserved device follows its domain even while Placement is down
            try
            {
                if (!connected)
                {
                    await sync.ConnectAsync(ct).ConfigureAwait(false);
                    connected = true;
                    polledAt = Stopwatch.GetTimestamp(); // the tree was just read whole
                }

                int pending = sync.Pending;
                await sync.ConvergeAsync(ct).ConfigureAwait(false);
                if (Stopwatch.GetElapsedTime(polledAt) >= poll)
                {
                    polledAt = Stopwatch.GetTimestamp();
                    await sync.PollAsync(ct).ConfigureAwait(false);
                    await sync.ConvergeAsync(ct).ConfigureAwait(false); // what someone else changed in ours, said again
                }

                List<(Guid Consumer, TaskCompletionSource<string?> Answer)> lookups = [];
                while (_lookups.TryDequeue(out (Guid, TaskCompletionSource<string?>) l))
                {
                    lookups.Add(l);
                    await sync.LookUpConsumerAsync(l.Item1, ct).ConfigureAwait(false);
                }

                await MigrateAsync(sync, client, ct).ConfigureAwait(false);
                IReadOnlyList<string> reserved = await follower.FollowAsync(sync.Holdings(), ct).ConfigureAwait(false);
                foreach ((Guid consumer, TaskCompletionSource<string?> answer) in lookups)
                {
                    answer.TrySetResult(StartRefusal(consumer));
                }

                follower.AttachWaiting(reserved);
                Publish(new PlacementSyncStatus(true, true, endpoint, root, sync.RootUuid, Problem(sync), sync.Providers, sync.Pending, client.Requests, DateTimeOffset.UtcNow, Allocated(sync), follower.Conflicts.Count));
                foreach (KeyValuePair<Guid, string> f in sync.Failed.Where(f => f.Value != reported))
                {
                    LogDeviceRefused(f.Key, f.Value);
                    reported = f.Value;
                }

                if (!everConnected || lostAt != 0)
                {
                    if (lostAt != 0)
                    {
                        double seconds = Stopwatch.GetElapsedTime(lostAt).TotalSeconds;
                        LogBack(endpoint, seconds, pending);
                    }

                    LogInSync(endpoint, root, sync.RootUuid, sync.Providers, client.Requests);
                    everConnected = true;
                    lostAt = 0;
                    reported = null;
                }

                failures = 0;
                if (!await WaitAsync(poll - Stopwatch.GetElapsedTime(polledAt), ct).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception e) when (e is RegistryException or Microsoft.Data.Sqlite.SqliteException)
            {
                // The ledger could not be read or written (locked by another process, the disk full): the
                // allocations are followed again on the next pass; Placement itself is fine.
                if (e.Message != reported)
                {
                    LogLedgerFailed(e.Message);
                    reported = e.Message;
                }

                await Task.Delay(Backoff[^1], ct).ConfigureAwait(false);
            }
            catch (PlacementException e)
            {
                connected = false;
                while (_lookups.TryDequeue(out (Guid, TaskCompletionSource<string?> Answer) l))
                {
                    l.Answer.TrySetResult(null); // Placement down never stops a start
                }

                DeferMigrations(e.Message); // nor a migration

                Publish(new PlacementSyncStatus(true, false, endpoint, root, sync.RootUuid, e.Message, sync.Providers, sync.Pending, client.Requests, Status.LastSync, Status.Allocated, Status.Conflicts));
                if (e.NeedsOperator ? e.Message != reported : lostAt == 0)
                {
                    // An outage is said once, however its failures read; a refusal once per distinct reason.
                    if (e.NeedsOperator)
                    {
                        LogRefused(e.Message);
                    }
                    else
                    {
                        LogLost(e.Message);
                    }

                    reported = e.Message;
                }

                if (lostAt == 0)
                {
                    lostAt = Stopwatch.GetTimestamp();
                }

                await Task.Delay(e.NeedsOperator ? OperatorBackoff : Backoff[Math.Min(failures++, Backoff.Length - 1)], ct).ConfigureAwait(false);
            }
        }
    }

    // Until something is queued, or the next poll is due. False when the queue is closed.
    private async Task<bool> WaitAsync(TimeSpan until, CancellationToken ct)
    {
        if (until <= TimeSpan.Zero)
        {
            return true;
        }

        using var due = CancellationTokenSource.CreateLinkedTokenSource(ct);
        due.CancelAfter(until);
        try
        {
            return await _queue.Reader.WaitToReadAsync(due.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return true;
        }
    }

    private void AttachStarted()
    {
        List<string> started = [];
        while (_started.TryDequeue(out string? uuid))
        {
            started.Add(uuid);
        }

        follower.AttachWaiting(started);
    }

    // A domain whose allocated device is held here by another instance may not start without it.
    private string? StartRefusal(Guid consumer)
    {
        AllocationConflict[] mine = [.. follower.Conflicts.Where(c => Guid.TryParse(c.Consumer, out Guid g) && g == consumer)];
        return mine.Length == 0 ? null
            : "USB " + string.Join("; ", mine.Select(c => $"device {c.DevId} is allocated to this instance in Placement but {c.OwnerState.Name()} to instance {c.Owner} on this host"))
              + ". Detach it from the other instance, or delete this instance's allocation and schedule it again";
    }

    private string? Problem(PlacementSync sync) =>
        sync.Failed.Values.FirstOrDefault()
        ?? follower.Conflicts.Select(c => $"device {c.DevId}: allocated to {c.Consumer} in Placement, {c.OwnerState.Name()} to {c.Owner} here (kept; unavailable in Placement)").FirstOrDefault();

    private static int Allocated(PlacementSync sync) => sync.Holdings().Count(h => h.Consumers.Count > 0);

    // Every queued commit, in order, into the sync's wanted state (no request here).
    private void Drain(PlacementSync sync, DeviceOffers offers)
    {
        while (_queue.Reader.TryRead(out IReadOnlyList<DeviceRow>? rows))
        {
            foreach (DeviceRow row in rows)
            {
                if (row.DevId is string devId)
                {
                    follower.Changed(devId);
                }

                if (offers.For(row) is DeviceOffer offer)
                {
                    sync.Want(row.Id, offer, deleted: row.Deleted != 0);
                }
            }
        }
    }

    // The daemon's rules, shared with usbpassctl's fleet commands (FleetAccess).
    private static (IPlacementAuth Auth, string EndpointId) Authentication(PlacementOptions settings) =>
        (UsbPassd.Placement.Fleet.FleetAccess.Auth(settings, CloudsYaml.SearchPath()), settings.Endpoint ?? $"cloud:{settings.Cloud}");

    // The operator's label of the rule that decided (a row's policy_rule is that rule's description).
    private string? LabelOf(string ruleDescription)
    {
        UsbPassd.Policy.DevicePolicy p = policy.Judge.Policy;
        return p.Rules.Append(p.DefaultRule).FirstOrDefault(r => r.Description == ruleDescription)?.Label;
    }

    private void Publish(PlacementSyncStatus status) => Volatile.Write(ref _status, status);

    [LoggerMessage(Level = LogLevel.Information, Message = "placement: in sync with {Endpoint}: root provider {Root} ({RootUuid}), {Providers} device providers, {Requests} requests so far")]
    private partial void LogInSync(string endpoint, string root, Guid? rootUuid, int providers, long requests);

    [LoggerMessage(Level = LogLevel.Warning, Message = "placement: lost: {Why}; local passthrough goes on, the sync catches up when Placement is back")]
    private partial void LogLost(string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "placement: {Endpoint} is back after {Seconds:0.0} s; caught up {Pending} pending device changes")]
    private partial void LogBack(string endpoint, double seconds, int pending);

    [LoggerMessage(Level = LogLevel.Error, Message = "placement: refused: {Why}; local passthrough goes on, retrying every 30 s")]
    private partial void LogRefused(string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "placement: provider {Uuid} not synced: {Why}")]
    private partial void LogDeviceRefused(Guid uuid, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "placement: no answer within {Seconds:0.0} s on the allocations of domain {Uuid} about to start; it starts, and its allocation is followed when Placement answers")]
    private partial void LogLookupSlow(string uuid, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "placement: allocations not followed for now: the registry refused: {Why}; tried again in 2 s")]
    private partial void LogLedgerFailed(string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "placement: sync off: {Why}")]
    private partial void LogCannotStart(string why);
}
