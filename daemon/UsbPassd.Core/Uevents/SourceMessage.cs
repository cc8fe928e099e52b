namespace UsbPassd.Uevents;

/// <summary>What a uevent source hands the pipeline.</summary>
public abstract record SourceMessage
{
    private SourceMessage() { }

    /// <summary>A trusted, well-formed uevent and when it was received (Stopwatch ticks).</summary>
    public sealed record Received(Uevent Uevent, long ReceivedAt) : SourceMessage;

    /// <summary>The kernel dropped messages (ENOBUFS): only a full rescan can make the registry true again.</summary>
    public sealed record Lost(string Why) : SourceMessage;

    /// <summary>The source now follows another group (udevd stopped, restarted, runs again): what fell between the two only a rescan can tell.</summary>
    public sealed record SourceChanged(string What) : SourceMessage;

    /// <summary>The watchdog's probe: the consumer shows it is alive by getting to it.</summary>
    public sealed record Ping : SourceMessage;

    /// <summary>A message that was refused (untrusted sender) or could not be parsed; logged once by the consumer.</summary>
    public sealed record Rejected(string Why, byte[] Bytes) : SourceMessage;
}
