namespace UsbPassd.Metrics;

/// <summary>
/// Reconciles with libvirt (each reads every domain's XML) and the events that asked for them,
/// for the metrics (counters only grow): what libvirt's events cost.
/// </summary>
public sealed class ReconcileCounters
{
    private readonly long[] _requested = new long[Enum.GetValues<ReconcileCause>().Length];
    private long _passes;
    private long _pending;
    private long _ownSettled;

    /// <summary>Reconciles asked for by <paramref name="cause"/> (a burst asks many times; queued ones are passed once).</summary>
    public long Requested(ReconcileCause cause) => Interlocked.Read(ref _requested[(int)cause]);

    /// <summary>Reconcile passes run.</summary>
    public long Passes => Interlocked.Read(ref _passes);

    /// <summary>Passes queued or running now (0 when usbpassd has nothing left to reconcile).</summary>
    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>Device-added events for our own alias that the ledger already held as attached: no reconcile.</summary>
    public long OwnSettled => Interlocked.Read(ref _ownSettled);

    public void CountRequested(ReconcileCause cause) => Interlocked.Increment(ref _requested[(int)cause]);

    public void CountQueued() => Interlocked.Increment(ref _pending);

    public void CountPassed()
    {
        Interlocked.Increment(ref _passes);
        Interlocked.Decrement(ref _pending);
    }

    public void CountOwnSettled() => Interlocked.Increment(ref _ownSettled);
}
