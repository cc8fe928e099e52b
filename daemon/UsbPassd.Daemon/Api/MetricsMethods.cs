using System.Runtime.CompilerServices;
using UsbPassd.Daemon.Services;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;
using UsbPassd.Rpc;

namespace UsbPassd.Daemon.Api;

/// <summary>metrics.get (read): the Prometheus text the metrics file also gets.</summary>
public sealed class MetricsMethods(MetricsService metrics) : IRpcMethods
{
    [ModuleInitializer]
    internal static void Enlist() => RpcMethodCatalog.Enlist<MetricsMethods>();

    public void Register(RpcDispatcher dispatcher) =>
        dispatcher.Add(Methods.MetricsGet, Privilege.Read, ProtocolJson.Default.NoParams, ProtocolJson.Default.MetricsResult,
            (_, _, _) => ValueTask.FromResult(new MetricsResult { Text = metrics.Render() }));
}
