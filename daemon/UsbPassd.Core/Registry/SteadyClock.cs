using System.Diagnostics;

namespace UsbPassd.Registry;

/// <summary>
/// The wall clock read once, then moved on by the monotonic clock: what reservation TTLs are measured
/// by. A step of the system clock (<c>date -s</c>, NTP correcting a wrong boot time) would otherwise
/// end a reservation early (a step forward) or make it last as long as the step (a step back). Times it
/// gives stay close to the wall clock as long as nobody steps it, so <c>expires_at</c> still reads as
/// a time of day; after a step, it is the reservation's length that holds, not the time of day.
/// </summary>
public sealed class SteadyClock : TimeProvider
{
    private readonly DateTimeOffset _start;
    private readonly long _startTicks;
    private readonly TimeProvider _monotonic;

    /// <param name="wall">Read once, for the start; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="monotonic">Whose timestamps measure the time since (a test's fake); <see cref="TimeProvider.System"/>'s are CLOCK_MONOTONIC.</param>
    public SteadyClock(TimeProvider? wall = null, TimeProvider? monotonic = null)
    {
        _monotonic = monotonic ?? System;
        _start = (wall ?? System).GetUtcNow();
        _startTicks = _monotonic.GetTimestamp();
    }

    public override DateTimeOffset GetUtcNow() => _start + _monotonic.GetElapsedTime(_startTicks);

    public override long GetTimestamp() => _monotonic.GetTimestamp();

    public override long TimestampFrequency => _monotonic.TimestampFrequency;
}
