using System.Threading.Channels;

namespace UsbPassd.Uevents;

/// <summary>Where uevents come from: the kernel/udev (netlink) or a recording (replay).</summary>
public interface IUeventSource : IDisposable
{
    /// <summary>A short description for logs ("netlink udev group, port 1234").</summary>
    string Description { get; }

    /// <summary>Writes messages until cancelled or, for a recording, until its end.</summary>
    Task RunAsync(ChannelWriter<SourceMessage> output, CancellationToken ct);
}
