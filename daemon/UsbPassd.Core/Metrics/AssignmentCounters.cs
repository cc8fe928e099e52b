namespace UsbPassd.Metrics;

/// <summary>What the assignment stage did since start, for the metrics (counters only grow).</summary>
public sealed class AssignmentCounters
{
    private long _attached;
    private long _attachFailed;
    private long _detached;
    private long _detachFailed;
    private long _reattached;
    private long _refused;

    public long Attached => Interlocked.Read(ref _attached);

    public long AttachFailed => Interlocked.Read(ref _attachFailed);

    public long Detached => Interlocked.Read(ref _detached);

    public long DetachFailed => Interlocked.Read(ref _detachFailed);

    /// <summary>Automatic re-attaches after a replug (or after libvirtd came back).</summary>
    public long Reattached => Interlocked.Read(ref _reattached);

    /// <summary>Requests refused by the policy or host safety.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public void CountAttached() => Interlocked.Increment(ref _attached);

    public void CountAttachFailed() => Interlocked.Increment(ref _attachFailed);

    public void CountDetached() => Interlocked.Increment(ref _detached);

    public void CountDetachFailed() => Interlocked.Increment(ref _detachFailed);

    public void CountReattached() => Interlocked.Increment(ref _reattached);

    public void CountRefused() => Interlocked.Increment(ref _refused);
}
