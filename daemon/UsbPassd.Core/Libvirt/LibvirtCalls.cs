using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace UsbPassd.Libvirt;

/// <summary>
/// How often each libvirt function was called through <see cref="LibvirtConnection"/>, by its C
/// name (counters only grow; one instance outlives the reconnects): what an attach, a follow or a
/// reconcile costs, for the metrics.
/// </summary>
public sealed class LibvirtCalls
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _counts = new(StringComparer.Ordinal);

    /// <summary>The calls of <paramref name="function"/> so far (0 when never called).</summary>
    public long this[string function] => _counts.TryGetValue(function, out StrongBox<long>? n) ? Interlocked.Read(ref n.Value) : 0;

    /// <summary>Every function called so far with its count, by name.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Snapshot() =>
        [.. _counts.Select(c => KeyValuePair.Create(c.Key, Interlocked.Read(ref c.Value.Value))).OrderBy(c => c.Key, StringComparer.Ordinal)];

    internal void Count(string function) => Interlocked.Increment(ref _counts.GetOrAdd(function, static _ => new StrongBox<long>()).Value);
}
