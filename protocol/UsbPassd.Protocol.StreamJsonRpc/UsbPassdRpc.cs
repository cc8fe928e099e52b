using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using StreamJsonRpc;
using UsbPassd.Protocol.Client;

namespace UsbPassd.Protocol.StreamJsonRpc;

/// <summary>
/// Connects a StreamJsonRpc client to usbpassd: the Unix socket, <see cref="NewLineDelimitedMessageHandler"/>
/// (one JSON object per line, <c>\n</c>), <see cref="SystemTextJsonFormatter"/> with snake_case names and
/// the protocol's source-generated <see cref="ProtocolJson"/> first in its resolver chain, and the
/// <see cref="IUsbPassd"/> proxy with params by name.
/// </summary>
public static class UsbPassdRpc
{
    /// <summary>Connects to the daemon's socket and starts listening.</summary>
    /// <param name="notifications">Receives device.added/removed/changed after <see cref="IUsbPassd.EventsSubscribeAsync"/>; a <see cref="DeviceNotifications"/> is completed when the connection ends.</param>
    /// <exception cref="UsbPassdUnavailableException">The daemon cannot be reached; the message says what to do.</exception>
    public static async Task<UsbPassdRpcConnection> AttachAsync(string socketPath = UsbPassdClient.DefaultSocket, IUsbPassdNotifications? notifications = null, CancellationToken cancellationToken = default)
    {
        Socket socket = await UsbPassdClient.ConnectSocketAsync(socketPath, cancellationToken);
        return Attach(new NetworkStream(socket, ownsSocket: true), notifications);
    }

    /// <summary>The same over a stream already connected to the daemon; the connection owns it.</summary>
    public static UsbPassdRpcConnection Attach(Stream stream, IUsbPassdNotifications? notifications = null)
    {
        var handler = new NewLineDelimitedMessageHandler(stream, stream, CreateFormatter()) { NewLine = NewLineDelimitedMessageHandler.NewLineStyle.Lf };
        var rpc = new UsbPassdJsonRpc(handler);
        if (notifications is not null)
        {
            rpc.AddLocalRpcTarget(RpcTargetMetadata.FromShape<IUsbPassdNotifications>(), notifications, new JsonRpcTargetOptions { DisposeOnDisconnect = false });
        }

        if (notifications is DeviceNotifications channel)
        {
            rpc.Disconnected += (_, e) => channel.Complete(e.Exception);
        }

        // Through JsonRpc itself: StreamJsonRpc's generator intercepts JsonRpc.Attach, not a subclass's.
        global::StreamJsonRpc.JsonRpc attachable = rpc;
        IUsbPassd proxy = attachable.Attach<IUsbPassd>(new JsonRpcProxyOptions { ServerRequiresNamedArguments = true });
        rpc.StartListening();
        return new UsbPassdRpcConnection(rpc, proxy);
    }

    /// <summary>The formatter usbpassd's wire needs (for callers that build their own <see cref="JsonRpc"/>).</summary>
    /// <remarks>
    /// Safe under NativeAOT: the protocol's types and what StreamJsonRpc sends besides (<see cref="RpcJson"/>) have
    /// source-generated metadata; only where reflection is on (JIT) may other types go through untyped calls.
    /// </remarks>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "StreamJsonRpc marks the formatter as not hardened; every type it serializes for usbpassd has source-generated metadata.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "StreamJsonRpc marks the formatter as not hardened; every type it serializes for usbpassd has source-generated metadata.")]
    public static SystemTextJsonFormatter CreateFormatter() => new()
    {
        // The formatter's own options name the properties: a context's options alone are not consulted.
        JsonSerializerOptions = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            TypeInfoResolver = JsonSerializer.IsReflectionEnabledByDefault
                ? JsonTypeInfoResolver.Combine(ProtocolJson.Default, RpcJson.Default, new DefaultJsonTypeInfoResolver())
                : JsonTypeInfoResolver.Combine(ProtocolJson.Default, RpcJson.Default),
        },
    };
}
