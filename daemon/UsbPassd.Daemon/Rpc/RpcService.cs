using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UsbPassd.Daemon.Hosting;
using UsbPassd.Daemon.Pipeline;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;
using UsbPassd.Registry;
using UsbPassd.Rpc;

namespace UsbPassd.Daemon.Rpc;

/// <summary>Listens on the socket (bound in StartAsync, before READY=1) and tells subscribers what each commit changed.</summary>
public sealed class RpcService(
    DaemonOptions options,
    DeviceMethods methods,
    AssignmentMethods assignments,
    Metrics.MetricsService metrics,
    Policy.PolicyMethods policy,
    Libvirt.HookMethods hook,
    UeventService uevents,
    DeviceRepository registry,
    DeviceView view,
    ILoggerFactory logs) : IHostedService, IAsyncDisposable
{
    private RpcServer? _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        uint? read = options.SocketGroup is string g ? UnixGroups.IdOf(g) : null;
        uint? admin = options.AdminGroup is string a ? UnixGroups.IdOf(a) : null;
        var dispatcher = new RpcDispatcher(new AccessPolicy(read, admin, options.SocketGroup ?? "usbpassd", options.AdminGroup));
        methods.Register(dispatcher);
        assignments.Register(dispatcher);
        metrics.Register(dispatcher);
        policy.Register(dispatcher);
        hook.Register(dispatcher);
        view.Refresh(); // after the start-up scan (UeventService starts first)
        _server = new RpcServer(options.Socket, options.SocketGroup, dispatcher, new RpcLimits(), logs.CreateLogger<RpcServer>());
        _server.Start();
        uevents.Committed += Notify;
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        uevents.Committed -= Notify;
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    private void Notify(ScanSummary summary)
    {
        view.Refresh();
        foreach (RowChange change in summary.Changes)
        {
            if (registry.Get(change.RowId) is not DeviceRow row)
            {
                continue;
            }

            string method = change.Kind switch
            {
                RowChangeKind.Added => Methods.Notifications.DeviceAdded,
                RowChangeKind.Removed => Methods.Notifications.DeviceRemoved,
                _ => Methods.Notifications.DeviceChanged,
            };
            _server?.Broadcast(method, new DeviceEvent { Device = row.ToRecord(), ReplacesId = change.ReplacesId }, ProtocolJson.Default.DeviceEvent);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
