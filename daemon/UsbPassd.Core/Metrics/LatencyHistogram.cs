namespace UsbPassd.Metrics;

/// <summary>
/// A cumulative Prometheus histogram (le buckets in seconds, sum, count), lock-free: the pipeline
/// thread observes, the metrics writer reads. Counts only grow, as Prometheus expects.
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>Upper bounds in seconds: event → commit is about a millisecond; a rescan can take 100 ms.</summary>
    public static readonly double[] Bounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private readonly long[] _buckets = new long[Bounds.Length + 1];
    private long _count;
    private long _sumMicroseconds;

    public void Observe(double seconds)
    {
        int i = 0;
        while (i < Bounds.Length && seconds > Bounds[i])
        {
            i++;
        }

        Interlocked.Increment(ref _buckets[i]);
        Interlocked.Add(ref _sumMicroseconds, (long)(seconds * 1e6));
        Interlocked.Increment(ref _count);
    }

    public long Count => Interlocked.Read(ref _count);

    public double SumSeconds => Interlocked.Read(ref _sumMicroseconds) / 1e6;

    /// <summary>Cumulative counts per bound (the last is +Inf).</summary>
    public long[] Cumulative()
    {
        var result = new long[_buckets.Length];
        long running = 0;
        for (int i = 0; i < _buckets.Length; i++)
        {
            running += Interlocked.Read(ref _buckets[i]);
            result[i] = running;
        }

        return result;
    }
}
