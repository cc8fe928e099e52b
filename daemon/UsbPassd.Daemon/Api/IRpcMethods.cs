using UsbPassd.Rpc;

namespace UsbPassd.Daemon.Api;

/// <summary>
/// One area of the RPC interface (a file in this folder): it adds its methods to the dispatcher.
/// Each area enlists itself in <see cref="RpcMethodCatalog"/> from a module initializer, so the host
/// finds it without a list kept by hand: a new method touches the protocol's contract and one file here.
/// </summary>
public interface IRpcMethods
{
    void Register(RpcDispatcher dispatcher);
}
