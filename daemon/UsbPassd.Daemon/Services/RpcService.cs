using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UsbPassd.Daemon.Hosting;
using UsbPassd.Daemon.Api;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;
using UsbPassd.Registry;
using UsbPassd.Rpc;

namespace UsbPassd.Daemon.Services;

/// <summary>
/// Listens on the socket (bound in StartAsync, before READY=1) with the methods of every area in
/// <see cref="RpcMethodCatalog"/>, and tells subscribers what each
/// commit changed, from the registry's feed: scans, ownership and policy alike, with the rows the
/// commit wrote (nothing is read again).
/// </summary>
public sealed partial class RpcService(
    DaemonOptions options,
    IEnumerable<IRpcMethods> areas,
    DeviceRepository registry,
    ILoggerFactory logs) : IHostedService, IAsyncDisposable
{
    private RpcServer? _server;
    private IDisposable? _feed;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        uint? read = options.SocketGroup is string g ? UnixGroups.IdOf(g) : null;
        uint? admin = options.AdminGroup is string a ? UnixGroups.IdOf(a) : null;
        var dispatcher = new RpcDispatcher(new AccessPolicy(read, admin, options.SocketGroup ?? "usbpassd", options.AdminGroup));
        foreach (IRpcMethods area in areas)
        {
            area.Register(dispatcher);
        }

        _server = new RpcServer(options.Socket, options.SocketGroup, dispatcher, new RpcLimits(), logs.CreateLogger<RpcServer>());
        _server.Start();
        _feed = registry.Changes.Subscribe(Notify);
        ILogger log = logs.CreateLogger<RpcService>();
        registry.Changes.Faulted += e => LogFeedFault(log, e);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _feed?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    private void Notify(RegistryChange commit)
    {
        foreach (RowChange change in commit.Rows)
        {
            if (change.Row is not DeviceRow row)
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

    [LoggerMessage(Level = LogLevel.Error, Message = "a subscriber of the registry's changes failed (the change is committed), ignoring")]
    private static partial void LogFeedFault(ILogger log, Exception e);

    public async ValueTask DisposeAsync()
    {
        _feed?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
