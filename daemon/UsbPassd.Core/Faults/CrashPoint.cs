using System.Globalization;
using static UsbPassd.Interop.Interop;

namespace UsbPassd.Faults;

/// <summary>
/// Makes usbpassd kill itself (SIGKILL: no cleanup, no log) at a named point of an operation, so
/// tests can check what a crash there leaves behind. Armed only by the environment variable
/// <see cref="Variable"/> (<c>point</c> or <c>point@N</c>: the Nth time the point is reached),
/// read once when the type is first used; the packaged service unsets it. Unarmed, a point is one
/// test of a static readonly field, which the JIT and NativeAOT fold away.
/// </summary>
public static class CrashPoint
{
    /// <summary>The environment variable that arms a point: <c>USBPASSD_CRASH_AT=attach.libvirt.before@2</c>.</summary>
    public const string Variable = "USBPASSD_CRASH_AT";

    private static readonly string? Armed;
    private static readonly int Nth = 1;
    private static int _hits;

    static CrashPoint()
    {
        if (Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } value)
        {
            return;
        }

        int at = value.IndexOf('@', StringComparison.Ordinal);
        Armed = at < 0 ? value : value[..at];
        if (at >= 0 && (!int.TryParse(value.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out Nth) || Nth < 1))
        {
            Nth = 1;
        }
    }

    /// <summary>The point usbpassd dies at, or null (the service as shipped).</summary>
    public static string? ArmedPoint => Armed;

    /// <summary>Dies here when this is the armed point's Nth hit; otherwise returns at once.</summary>
    /// <param name="name">One of <see cref="CrashPoints"/>' constants.</param>
    public static void Here(string name)
    {
        if (Armed is null)
        {
            return;
        }

        Hit(name);
    }

    private static void Hit(string name)
    {
        if (string.Equals(name, Armed, StringComparison.Ordinal) && Interlocked.Increment(ref _hits) == Nth)
        {
            // Nothing may run after this: no log line, no flush. kill(2) to ourselves with SIGKILL
            // does not return; should it ever fail, FailFast is the next closest thing to a crash.
            Libc.Kill(Environment.ProcessId, Libc.SIGKILL);
            Environment.FailFast("crash point " + name);
        }
    }
}
