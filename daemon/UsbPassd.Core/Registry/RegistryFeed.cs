using System.Collections.Immutable;
using Microsoft.Data.Sqlite;

namespace UsbPassd.Registry;

/// <summary>
/// The one feed of registry changes: every transaction that changes <c>usb_devices</c> commits
/// through <see cref="Commit"/>, which tells every subscriber, synchronously, after the commit and
/// before the writer returns (a devices.list after a devices.attach sees the attach). Commit and
/// delivery happen under one lock, so subscribers see the changes in commit order whichever thread
/// wrote them. Subscribers only update memory or queue work: they must not write the registry.
/// </summary>
public sealed class RegistryFeed
{
    private readonly Lock _order = new();
    private ImmutableArray<Action<RegistryChange>> _subscribers = [];

    /// <summary>Raised when a subscriber throws: the others are told all the same, and the writer does not fail (its change is committed).</summary>
    public event Action<Exception>? Faulted;

    /// <summary>Adds a subscriber; disposing the result removes it.</summary>
    public IDisposable Subscribe(Action<RegistryChange> subscriber)
    {
        lock (_order)
        {
            _subscribers = _subscribers.Add(subscriber);
        }

        return new Subscription(this, subscriber);
    }

    /// <summary>Runs <paramref name="read"/> with no change delivered meanwhile (a subscriber's first load, so that no change falls between it and the feed).</summary>
    public T Quiet<T>(Func<T> read)
    {
        lock (_order)
        {
            return read();
        }
    }

    /// <summary>Commits <paramref name="tx"/> and publishes what it changed (nothing when <paramref name="rows"/> is empty).</summary>
    public void Commit(SqliteTransaction tx, ChangeCause cause, IReadOnlyList<RowChange> rows)
    {
        lock (_order)
        {
            tx.Commit();
            Publish(new RegistryChange(cause, rows));
        }
    }

    /// <summary>Tells every subscriber, in the order they subscribed (an empty change tells nobody).</summary>
    public void Publish(RegistryChange change)
    {
        if (change.Rows.Count == 0)
        {
            return;
        }

        lock (_order)
        {
            foreach (Action<RegistryChange> subscriber in _subscribers)
            {
                try
                {
                    subscriber(change);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Faulted?.Invoke(e);
                }
            }
        }
    }

    private void Remove(Action<RegistryChange> subscriber)
    {
        lock (_order)
        {
            _subscribers = _subscribers.Remove(subscriber);
        }
    }

    private sealed class Subscription(RegistryFeed feed, Action<RegistryChange> subscriber) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                feed.Remove(subscriber);
            }
        }
    }
}
