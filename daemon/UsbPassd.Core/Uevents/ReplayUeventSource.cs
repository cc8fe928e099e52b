using System.Diagnostics;
using System.Threading.Channels;

namespace UsbPassd.Uevents;

/// <summary>Replays a recording (<see cref="RecordedUevents"/>) through the same parser, as fast as the pipeline takes it.</summary>
public sealed class ReplayUeventSource(string path) : IUeventSource
{
    public string Description => $"replay of {path}";

    public async Task RunAsync(ChannelWriter<SourceMessage> output, CancellationToken ct)
    {
        using var reader = new StreamReader(path);
        foreach ((UeventGroup _, byte[] datagram) in RecordedUevents.Read(reader))
        {
            SourceMessage message = UeventParser.TryParse(datagram, out Uevent? uevent, out string? error)
                ? new SourceMessage.Received(uevent, Stopwatch.GetTimestamp())
                : new SourceMessage.Rejected($"malformed: {error}", datagram);
            await output.WriteAsync(message, ct);
        }
    }

    public void Dispose() { }
}
