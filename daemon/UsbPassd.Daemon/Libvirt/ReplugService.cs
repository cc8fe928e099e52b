using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UsbPassd.Assignment;
using UsbPassd.Daemon.Pipeline;
using UsbPassd.Registry;

namespace UsbPassd.Daemon.Libvirt;

/// <summary>Hands each commit's changes from the pipeline to <see cref="AssignmentService.Follow"/> on its own thread (libvirt calls block).</summary>
public sealed partial class ReplugService(UeventService uevents, AssignmentService assignments, LibvirtService libvirt, ILogger<ReplugService> log) : BackgroundService
{
    // Either a commit's changes to follow, or (Changes null) a reconcile with libvirt's truth.
    private sealed record Work(IReadOnlyList<RowChange>? Changes);

    private readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        uevents.Committed += summary => _queue.Writer.TryWrite(new Work(summary.Changes));
        libvirt.Reconnected += () => _queue.Writer.TryWrite(new Work(null));
        _queue.Writer.TryWrite(new Work(null)); // at start: settle what a crash or a stop left half done
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (Work work in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                foreach (AssignmentService.Followed f in work.Changes is null ? assignments.Reconcile() : assignments.Follow(work.Changes))
                {
                    LogFollowed(f.What, f.PortId, f.Instance, f.TotalMs, f.LibvirtMs);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{What}: {Port} → {Instance}, {TotalMs:0.0} ms after the commit ({LibvirtMs:0.0} ms of it in libvirt)")]
    private partial void LogFollowed(string what, string port, string instance, double totalMs, double libvirtMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "following a replug failed")]
    private partial void LogFailed(Exception e);
}
