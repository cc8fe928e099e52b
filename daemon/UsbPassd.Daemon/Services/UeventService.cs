using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UsbPassd.Devices;
using UsbPassd.Pipeline;
using UsbPassd.Registry;
using UsbPassd.Uevents;

namespace UsbPassd.Daemon.Services;

/// <summary>
/// Runs the pipeline: source → channel → batches → <see cref="DevicePipeline"/>. StartAsync binds
/// the source and reconciles the registry with a full scan (so READY=1 means both are done); the
/// loop then consumes until shutdown. A bad event is logged and skipped; nothing in an event
/// stops the loop.
/// </summary>
public sealed partial class UeventService(
    IUeventSource? source,
    DevicePipeline pipeline,
    PipelineStats stats,
    PolicyService? policy,
    ILogger<UeventService> log,
    LogPrivacy? privacy = null) : IHostedService, IDisposable
{
    private const int MaxBatch = 1024;

    // Small on purpose: in a burst the kernel's socket buffer (128 MiB) holds the backlog as compact
    // datagrams, and the reader waits here instead of growing the heap with parsed events.
    private readonly Channel<SourceMessage> _channel = Channel.CreateBounded<SourceMessage>(
        new BoundedChannelOptions(4096) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<string> _loggedRejections = [];
    private Task _sourceTask = Task.CompletedTask;
    private Task _consumerTask = Task.CompletedTask;
    private long _lastBatchAt = Stopwatch.GetTimestamp();
    private bool _resyncPending;
    private long _failedBatches; // since the last commit that worked; 0 when commits work
    private int _rejudgePending;

    /// <summary>Sent by the watchdog: the consumer answers by moving <see cref="LastAlive"/>.</summary>
    public bool TryPing() => _channel.Writer.TryWrite(new SourceMessage.Ping());

    /// <summary>Asks the pipeline thread to judge the present devices again (the policy was reloaded).</summary>
    public void RequestRejudge()
    {
        Interlocked.Exchange(ref _rejudgePending, 1);
        _channel.Writer.TryWrite(new SourceMessage.Ping());
    }

    /// <summary>When the consumer last finished a batch (Stopwatch ticks).</summary>
    public long LastAlive => Interlocked.Read(ref _lastBatchAt);

    /// <summary>Whether the loops still run (a finished replay or a 'none' source is fine).</summary>
    public bool LoopsRunning => !_consumerTask.IsCompleted && !_sourceTask.IsFaulted;

    public string SourceDescription => source?.Description ?? "none (start-up scan only)";

    public string Status => $"{pipeline.PresentCount} USB devices present; {stats.Events} events, {stats.Rejected} rejected, {stats.Resyncs} rescans";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var (summary, skipped) = pipeline.Resync();
        foreach (ScanProblem p in skipped)
        {
            LogSkipped(p.Entry, p.Reason);
        }

        LogStartupScan(pipeline.PresentCount, summary);
        if (policy is not null)
        {
            policy.Reloaded += RequestRejudge;
        }

        _consumerTask = Task.Run(() => ConsumeAsync(_stop.Token), CancellationToken.None);
        if (source is not null)
        {
            LogSource(source.Description);
            _sourceTask = Task.Run(() => ProduceAsync(source, _stop.Token), CancellationToken.None);
        }
        else
        {
            LogNoSource();
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (policy is not null)
        {
            policy.Reloaded -= RequestRejudge;
        }

        await _stop.CancelAsync();
        _channel.Writer.TryComplete();
        await Task.WhenAll(_sourceTask, _consumerTask).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        double p50 = stats.LatencyPercentile(50) ?? 0, p99 = stats.LatencyPercentile(99) ?? 0;
        LogStopped(stats.Events, p50, p99, stats.Rejected, stats.Lost, stats.Resyncs);
    }

    private async Task ProduceAsync(IUeventSource s, CancellationToken ct)
    {
        try
        {
            await s.RunAsync(_channel.Writer, ct);
            LogSourceEnded(s.Description);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The socket itself failed (not an event): the registry can no longer follow the host.
            LogSourceFailed(e, s.Description);
            throw;
        }
    }

    private async Task ConsumeAsync(CancellationToken ct)
    {
        var batch = new List<SourceMessage.Received>(MaxBatch);
        ChannelReader<SourceMessage> reader = _channel.Reader;
        try
        {
            while (await reader.WaitToReadAsync(ct))
            {
                bool resync = _resyncPending;
                batch.Clear();
                while (batch.Count < MaxBatch && reader.TryRead(out SourceMessage? message))
                {
                    switch (message)
                    {
                        case SourceMessage.Received r:
                            batch.Add(r);
                            break;
                        case SourceMessage.Ping:
                            break;
                        case SourceMessage.Lost l:
                            stats.CountLost();
                            LogLost(l.Why);
                            resync = true;
                            break;
                        case SourceMessage.SourceChanged c:
                            LogSourceChanged(c.What);
                            resync = true;
                            break;
                        case SourceMessage.Rejected x:
                            stats.CountRejected();
                            Rejected(x);
                            break;
                    }
                }

                if (Interlocked.Exchange(ref _rejudgePending, 0) == 1 && !resync)
                {
                    Rejudge();
                }

                Process(batch, resync);
                Interlocked.Exchange(ref _lastBatchAt, Stopwatch.GetTimestamp());
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private void Process(List<SourceMessage.Received> batch, bool resync)
    {
        try
        {
            ScanSummary? summary;
            _resyncPending = false;
            if (resync)
            {
                stats.CountResync();
                (summary, IReadOnlyList<ScanProblem> skipped) = pipeline.Resync();
                LogResynced(skipped.Count, summary);
            }
            else
            {
                (summary, IReadOnlyList<string> problems) = pipeline.Apply(batch.Select(r => r.Uevent));
                if (batch.Count == 0)
                {
                    return; // only pings
                }

                foreach (string p in problems)
                {
                    string problem = privacy?.Scrub(p) ?? p;
                    LogUnusable(problem);
                }
            }

            long now = Stopwatch.GetTimestamp();
            foreach (SourceMessage.Received r in batch)
            {
                stats.Committed(r.ReceivedAt, now);
            }

            // Only a commit that wrote proves the registry takes writes again: a rescan that found
            // nothing to change wrote nothing, and the next change may fail as the last one did.
            if (_failedBatches > 0 && summary is { Changes.Count: > 0 })
            {
                LogCommitsWorkAgain(_failedBatches, summary);
                _failedBatches = 0;
            }

            if (summary is not null && batch.Count > 0)
            {
                stats.CountCommit();
                double latency = Stopwatch.GetElapsedTime(batch[0].ReceivedAt, now).TotalMilliseconds;
                LogCommitted(batch.Count, latency, summary);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The registry refused (disk full, locked...): keep going; the next batch retries from sysfs.
            // Said once until a commit works again, not once a batch: a full disk must not also fill
            // the journal, nor bury the one line that says what happened.
            stats.CountCommitFailure();
            if (_failedBatches++ == 0)
            {
                LogBatchFailed(e, batch.Count);
            }

            _resyncPending = true;
            return;
        }
    }

    private void Rejudge()
    {
        try
        {
            ScanSummary summary = pipeline.Rejudge();
            LogRejudged(summary.Changes.Count);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            stats.CountCommitFailure();
            if (_failedBatches++ == 0)
            {
                LogBatchFailed(e, 0);
            }

            _resyncPending = true;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "present devices judged by the new policy: {Changed} rows changed")]
    private partial void LogRejudged(int changed);

    private void Rejected(SourceMessage.Rejected x)
    {
        // Each distinct reason is logged once at warning level; the bytes only at debug.
        string kind = x.Why.Split(':')[0] + ":" + (x.Why.Length > 40 ? x.Why[..40] : x.Why);
        if (_loggedRejections.Count < 256 && _loggedRejections.Add(kind))
        {
            LogRejected(x.Why);
        }

        if (log.IsEnabled(LogLevel.Debug) && privacy?.HidesSerials != true) // the bytes carry ID_SERIAL
        {
            string base64 = Convert.ToBase64String(x.Bytes);
            LogRejectedBytes(x.Why, base64);
        }
    }

    public void Dispose()
    {
        _stop.Dispose();
        source?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped after {Events} uevents (received → committed p50 {P50:0.000} ms, p99 {P99:0.000} ms), {Rejected} rejected, {Lost} overflows, {Resyncs} rescans")]
    private partial void LogStopped(long events, double p50, double p99, long rejected, long lost, long resyncs);

    [LoggerMessage(Level = LogLevel.Information, Message = "startup scan: {Count} USB devices present; registry: {Summary}")]
    private partial void LogStartupScan(int count, ScanSummary summary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "sysfs entry {Entry} skipped: {Reason}")]
    private partial void LogSkipped(string entry, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "listening for uevents: {Source}")]
    private partial void LogSource(string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "no uevent source (--uevents none): the registry is updated at start-up only")]
    private partial void LogNoSource();

    [LoggerMessage(Level = LogLevel.Information, Message = "uevent source ended: {Source}")]
    private partial void LogSourceEnded(string source);

    [LoggerMessage(Level = LogLevel.Critical, Message = "uevent source failed: {Source}; the registry no longer follows the host, restart usbpassd")]
    private partial void LogSourceFailed(Exception e, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "uevents were lost ({Why}); rescanning sysfs")]
    private partial void LogLost(string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What}; rescanning sysfs")]
    private partial void LogSourceChanged(string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "rescan done ({Skipped} entries skipped); registry: {Summary}")]
    private partial void LogResynced(int skipped, ScanSummary summary);

    [LoggerMessage(Level = LogLevel.Information, Message = "uevent ignored: {Problem}")]
    private partial void LogUnusable(string problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Events} uevents committed, {LatencyMs:0.00} ms after the first was received: {Summary}")]
    private partial void LogCommitted(int events, double latencyMs, ScanSummary summary);

    [LoggerMessage(Level = LogLevel.Error, Message = "a batch of {Events} uevents could not be committed; will rescan with the next event (said again only once a commit works)")]
    private partial void LogBatchFailed(Exception e, int events);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the registry takes commits again after {Failed} failed batches; rescanned: {Summary}")]
    private partial void LogCommitsWorkAgain(long failed, ScanSummary? summary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "uevent dropped, {Why} (further ones like it are counted, not logged)")]
    private partial void LogRejected(string why);

    [LoggerMessage(Level = LogLevel.Debug, Message = "uevent dropped, {Why}: {Base64}")]
    private partial void LogRejectedBytes(string why, string base64);
}
