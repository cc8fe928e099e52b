namespace UsbPassd.Rpc;

/// <summary>
/// Bytes held against a limit (replies queued for a client, requests being served). Taking waits while
/// the budget is spent. An item larger than the whole limit may still be taken when nothing else is
/// held, so one big answer (devices.list of a large host) is never impossible: the bound is the limit
/// plus one item.
/// </summary>
public sealed class ByteBudget(long limit)
{
    private readonly Lock _gate = new();
    private long _held;
    private TaskCompletionSource _released = NewSignal();

    public long Limit => limit;

    public long Held
    {
        get
        {
            lock (_gate)
            {
                return _held;
            }
        }
    }

    public bool TryTake(long bytes)
    {
        lock (_gate)
        {
            if (_held > 0 && _held + bytes > limit)
            {
                return false;
            }

            _held += bytes;
            return true;
        }
    }

    public async ValueTask TakeAsync(long bytes, CancellationToken ct)
    {
        while (true)
        {
            Task released;
            lock (_gate)
            {
                if (_held == 0 || _held + bytes <= limit)
                {
                    _held += bytes;
                    return;
                }

                released = _released.Task;
            }

            await released.WaitAsync(ct);
        }
    }

    public void Release(long bytes)
    {
        TaskCompletionSource released;
        lock (_gate)
        {
            _held -= bytes;
            released = _released;
            _released = NewSignal();
        }

        released.TrySetResult(); // every waiter looks again; few wait, so no queue of them is kept
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
