using System.Globalization;
using System.Net.Sockets;

namespace UsbPassd.Testing.Rpc;

/// <summary>
/// <c>UsbPassd.Testing rpc-stress</c>: <see cref="RpcStress"/> from the command line, so a test can run it
/// as another uid (setpriv) and a person can point it at a running daemon.
/// <code>
///   rpc-stress pipeline SOCKET COUNT CHUNK              pipelined devices.get, lines cut every CHUNK bytes
///   rpc-stress concurrent SOCKET CONNECTIONS COUNT      COUNT pipelined devices.get on each connection
///   rpc-stress policy SOCKET DEVICE CONNECTIONS COUNT   concurrent policy.check of DEVICE
///   rpc-stress hold SOCKET COUNT                        open COUNT connections, keep them until stdin closes
///   rpc-stress flood SOCKET CONNECTIONS MEMBERS         a batch of MEMBERS devices.list per connection, never read
/// </code>
/// Prints one line a person can read (and a test can match); exit 0 when every answer was right.
/// </summary>
public static class RpcStressCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        switch (args)
        {
            case ["pipeline", string socket, string count, string chunk]:
                return Report("pipelined", await RpcStress.PipelineAsync(socket, await RpcStress.DeviceIdsAsync(socket), Int(count), Int(chunk)));
            case ["concurrent", string socket, string connections, string count]:
                return Report("concurrent", await RpcStress.ConcurrentAsync(socket, await RpcStress.DeviceIdsAsync(socket), Int(connections), Int(count), 997));
            case ["policy", string socket, string device, string connections, string count]:
                return Report("policy.check", await RpcStress.PolicyChecksAsync(socket, device, Int(connections), Int(count)));
            case ["hold", string socket, string count]:
                var (held, refusals) = await RpcStress.HoldAsync(socket, Int(count));
                Console.WriteLine($"held {held.Count} of {count}; refused {refusals.Count}{(refusals.Count > 0 ? ": " + refusals[0] : "")}");
                await WaitForStdinToCloseAsync(held);
                return 0;
            case ["flood", string socket, string connections, string members]:
                List<Socket> open = await RpcStress.BatchFloodAsync(socket, Int(connections), Int(members));
                Console.WriteLine($"flooding: {open.Count} connections, a batch of {members} devices.list each, not reading");
                await WaitForStdinToCloseAsync(open);
                return 0;
            default:
                Console.Error.WriteLine("usage: rpc-stress pipeline SOCKET COUNT CHUNK | concurrent SOCKET CONNECTIONS COUNT | policy SOCKET DEVICE CONNECTIONS COUNT | hold SOCKET COUNT | flood SOCKET CONNECTIONS MEMBERS");
                return 2;
        }
    }

    private static int Report(string what, RpcStress.Outcome outcome)
    {
        Console.WriteLine($"{what}: {outcome}");
        return outcome.WrongCount == 0 ? 0 : 1;
    }

    // The caller (a test) decides how long the connections stay: until it closes our stdin.
    private static async Task WaitForStdinToCloseAsync(List<Socket> sockets)
    {
        Console.Out.Flush();
        await Console.In.ReadToEndAsync();
        sockets.ForEach(s => s.Dispose());
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
}
