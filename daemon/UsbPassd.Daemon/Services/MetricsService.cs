using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UsbPassd.Assignment;
using UsbPassd.Daemon.Hosting;
using UsbPassd.Files;
using UsbPassd.Metrics;
using UsbPassd.Pipeline;
using UsbPassd.Registry;

namespace UsbPassd.Daemon.Services;

/// <summary>
/// The Prometheus metrics: served by <c>metrics.get</c> (<see cref="Api.MetricsMethods"/>) and, with <c>metrics_file</c>, written
/// every 15 s for node_exporter's textfile collector, mode 0644 so that it may read them, through
/// <see cref="AtomicFile"/>: that directory may belong to node_exporter's user, and the collector
/// never reads half a file.
/// </summary>
public sealed partial class MetricsService(
    DaemonOptions options,
    DeviceRepository devices,
    PipelineStats pipeline,
    AssignmentService assignments,
    LibvirtService libvirt,
    ReplugService replug,
    PlacementService placement,
    ILogger<MetricsService> log) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(15);

    // rw-r--r--: node_exporter runs as its own user.
    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private bool _failing;

    public string Render()
    {
        var text = new PrometheusText();
        text.Family("usbpassd_devices", "gauge", "Live registry rows by status.");
        IReadOnlyDictionary<string, int> counts = devices.CountByStatus();
        foreach (string status in new[] { DeviceStatus.Available, DeviceStatus.Reserved, DeviceStatus.Attaching, DeviceStatus.Attached, DeviceStatus.Detaching, DeviceStatus.Missing, DeviceStatus.External, DeviceStatus.Blocked, DeviceStatus.Ambiguous }.Union(counts.Keys))
        {
            text.Sample("usbpassd_devices", counts.GetValueOrDefault(status), ("status", status));
        }

        AssignmentCounters a = assignments.Counters;
        text.Family("usbpassd_attaches_total", "counter", "Attaches through usbpassd (calls, swaps) by result.")
            .Sample("usbpassd_attaches_total", a.Attached, ("result", "ok"))
            .Sample("usbpassd_attaches_total", a.AttachFailed, ("result", "failed"));
        text.Family("usbpassd_detaches_total", "counter", "Detaches through usbpassd by result.")
            .Sample("usbpassd_detaches_total", a.Detached, ("result", "ok"))
            .Sample("usbpassd_detaches_total", a.DetachFailed, ("result", "failed"));
        text.Family("usbpassd_reattaches_total", "counter", "Devices attached again by themselves after a replug.").Sample("usbpassd_reattaches_total", a.Reattached);
        text.Family("usbpassd_refusals_total", "counter", "Requests refused by the device policy or host safety.").Sample("usbpassd_refusals_total", a.Refused);
        text.Histogram("usbpassd_uevent_commit_seconds", "Uevent received to registry commit.", pipeline.Latency);
        text.Family("usbpassd_uevents_total", "counter", "Uevents committed.").Sample("usbpassd_uevents_total", pipeline.Events);
        text.Family("usbpassd_uevents_rejected_total", "counter", "Uevents refused (not from the kernel or root's udevd, or malformed).").Sample("usbpassd_uevents_rejected_total", pipeline.Rejected);
        text.Family("usbpassd_netlink_drops_total", "counter", "Times the netlink socket overflowed (ENOBUFS); each is answered with a full rescan.").Sample("usbpassd_netlink_drops_total", pipeline.Lost);
        text.Family("usbpassd_rescans_total", "counter", "Full rescans after lost events.").Sample("usbpassd_rescans_total", pipeline.Resyncs);
        text.Family("usbpassd_uevent_commit_failures_total", "counter", "Uevent batches the registry refused (disk full, locked); each is followed by a rescan.").Sample("usbpassd_uevent_commit_failures_total", pipeline.CommitFailures);
        text.Family("usbpassd_libvirt_connected", "gauge", "1 when the libvirt connection is open.").Sample("usbpassd_libvirt_connected", libvirt.State == "connected" ? 1 : 0);
        LibvirtFigures(text);
        PlacementMetrics.AddTo(text, placement.Status);
        return text.ToString();
    }

    // What libvirt costs: its calls by function, and the reconciles (every domain's XML) its events ask for.
    private void LibvirtFigures(PrometheusText text)
    {
        text.Family("usbpassd_libvirt_calls_total", "counter", "libvirt functions called, by name.");
        foreach (var (function, calls) in libvirt.Calls.Snapshot())
        {
            text.Sample("usbpassd_libvirt_calls_total", calls, ("function", function));
        }

        ReconcileCounters r = replug.Counters;
        text.Family("usbpassd_reconcile_requests_total", "counter", "Reconciles with libvirt's domain XML asked for, by cause (a burst is passed once).");
        foreach (ReconcileCause cause in Enum.GetValues<ReconcileCause>())
        {
            text.Sample("usbpassd_reconcile_requests_total", r.Requested(cause), ("cause", Label(cause)));
        }

        text.Family("usbpassd_reconciles_total", "counter", "Reconcile passes run (each reads every domain's XML).").Sample("usbpassd_reconciles_total", r.Passes);
        text.Family("usbpassd_reconciles_pending", "gauge", "Reconcile passes queued or running.").Sample("usbpassd_reconciles_pending", r.Pending);
        text.Family("usbpassd_own_hostdevs_settled_total", "counter", "Our own hostdevs libvirt reported added that the ledger held as attached: no reconcile.")
            .Sample("usbpassd_own_hostdevs_settled_total", r.OwnSettled);
    }

    private static string Label(ReconcileCause cause) => cause switch
    {
        ReconcileCause.Start => "start",
        ReconcileCause.Reconnect => "reconnect",
        ReconcileCause.Lifecycle => "lifecycle",
        ReconcileCause.Hook => "hook",
        ReconcileCause.Hostdev => "hostdev",
        ReconcileCause.OwnHostdev => "own_hostdev",
        ReconcileCause.PassedOver => "passed_over",
        _ => "other",
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.MetricsFile is not string file)
        {
            return;
        }

        using var timer = new PeriodicTimer(Period);
        do
        {
            Write(file);
        }
        while (await NextAsync(timer, stoppingToken));

        Write(file); // the last figures, on the way out
    }

    private static async Task<bool> NextAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Write(string file)
    {
        try
        {
            AtomicFile.Write(file, Encoding.UTF8.GetBytes(Render()), Readable);
            if (_failing)
            {
                LogWrittenAgain(file);
                _failing = false;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Said once, not every 15 s; the next period tries again.
            if (!_failing)
            {
                LogWriteFailed(file, e.Message);
            }

            _failing = true;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot write the metrics to {File}: {Why}; trying again every 15 s, said again only once it works")]
    private partial void LogWriteFailed(string file, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "metrics written to {File} again")]
    private partial void LogWrittenAgain(string file);
}
