using System.Diagnostics;

namespace UsbPassd.Pipeline;

/// <summary>Counters of the event pipeline and the latency from receiving an event to its commit.</summary>
public sealed class PipelineStats
{
    private const int Window = 16384;
    private readonly double[] _latencyMs = new double[Window];
    private long _latencies;
    private long _events;
    private long _rejected;
    private long _lost;
    private long _resyncs;
    private long _commits;
    private long _commitFailures;

    /// <summary>Received → committed, cumulative, for the Prometheus metrics.</summary>
    public Metrics.LatencyHistogram Latency { get; } = new();

    public long Events => Interlocked.Read(ref _events);

    public long Rejected => Interlocked.Read(ref _rejected);

    public long Lost => Interlocked.Read(ref _lost);

    public long Resyncs => Interlocked.Read(ref _resyncs);

    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Batches the registry refused (disk full, locked by another program): logged once, counted each time.</summary>
    public long CommitFailures => Interlocked.Read(ref _commitFailures);

    public void CountRejected() => Interlocked.Increment(ref _rejected);

    public void CountLost() => Interlocked.Increment(ref _lost);

    public void CountResync() => Interlocked.Increment(ref _resyncs);

    public void CountCommit() => Interlocked.Increment(ref _commits);

    public void CountCommitFailure() => Interlocked.Increment(ref _commitFailures);

    /// <summary>Records that an event received at <paramref name="receivedAt"/> (Stopwatch ticks) is now committed.</summary>
    public void Committed(long receivedAt, long committedAt)
    {
        Interlocked.Increment(ref _events);
        long n = Interlocked.Increment(ref _latencies) - 1;
        TimeSpan latency = Stopwatch.GetElapsedTime(receivedAt, committedAt);
        _latencyMs[n % Window] = latency.TotalMilliseconds;
        Latency.Observe(latency.TotalSeconds);
    }

    /// <summary>Percentile (0-100) of the last 16,384 event latencies, in milliseconds; null before any event.</summary>
    public double? LatencyPercentile(double percentile)
    {
        int count = (int)Math.Min(Interlocked.Read(ref _latencies), Window);
        if (count == 0)
        {
            return null;
        }

        double[] sorted = _latencyMs[..count];
        Array.Sort(sorted);
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * count) - 1, 0, count - 1)];
    }
}
