namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>One (operation, point) run: whether the daemon died there (exit code) or the point was not reached, and what the checks found.</summary>
internal sealed record CrashPair(CrashOperation Operation, string Point, string Devices, int? ExitCode, IReadOnlyList<string> Problems)
{
    public bool Crashed => ExitCode is not null;

    public override string ToString() =>
        $"{Operation} @ {Point} ({Devices}): {(Crashed ? $"killed (exit {ExitCode})" : "not reached")}{(Problems.Count == 0 ? "" : "; " + string.Join("; ", Problems))}";
}
