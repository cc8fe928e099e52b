namespace UsbPassd.Remote;

/// <summary>
/// Carries the USB/IP stream between the kernel's end of a local socket pair and the TLS stream to the
/// peer, both ways, until either side ends; then ends the other. The kernel reads its socket closing as
/// the link gone (vhci disconnects the device, the exporter's stub resets it), which is what a dropped
/// link should look like on both hosts.
/// </summary>
public static class Splice
{
    // USB/IP messages are small (48-byte headers plus at most one URB's data); 64 KiB covers a bulk read.
    private const int BufferSize = 64 * 1024;

    /// <remarks>Takes both streams: they are closed when it returns.</remarks>
    /// <returns>Bytes carried from <paramref name="local"/> to <paramref name="remote"/>, and back.</returns>
    public static async Task<(long Sent, long Received)> RunAsync(Stream local, Stream remote, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task<long> sent = PumpAsync(local, remote, stop.Token);
        Task<long> received = PumpAsync(remote, local, stop.Token);
        await Task.WhenAny(sent, received).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        // Closing both is how the end travels: the peer's TLS read ends, and so does its splice and its kernel's socket.
        await local.DisposeAsync().ConfigureAwait(false);
        await remote.DisposeAsync().ConfigureAwait(false);
        return (await sent.ConfigureAwait(false), await received.ConfigureAwait(false));
    }

    // One side ended (end of stream, a reset, or the stop after the other side ended): what it carried
    // until then is the figure; the error itself is no news, the link's end is reported by the caller.
    private static async Task<long> PumpAsync(Stream from, Stream to, CancellationToken ct)
    {
        byte[] buffer = new byte[BufferSize];
        long total = 0;
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                await to.FlushAsync(ct).ConfigureAwait(false);
                total += n;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }

        return total;
    }
}
