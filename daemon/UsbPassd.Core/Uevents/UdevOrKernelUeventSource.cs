using System.Threading.Channels;

namespace UsbPassd.Uevents;

/// <summary>
/// The live source of the daemon: udev's group while udevd runs, the kernel's while it does not
/// (<see cref="UdevdWatch"/> says why both, and when which). Both sockets stay bound the whole
/// time, so nothing the kernel says goes unheard while the decision changes; a kernel event is
/// passed on only while the kernel's group is followed. udevd is looked for once a second
/// (<see cref="UdevdProcess.MainPid"/>: one /proc read while it runs), and each change of what is
/// followed reaches the pipeline as <see cref="SourceMessage.SourceChanged"/>: a log line and a rescan.
/// </summary>
public sealed class UdevOrKernelUeventSource : IUeventSource
{
    private readonly NetlinkUeventSource _udev;
    private readonly NetlinkUeventSource _kernel;
    private readonly Func<int> _udevdPid;
    private readonly TimeSpan _interval;
    private readonly UdevdWatch _watch;
    private readonly Lock _gate = new();

    /// <summary>Takes both sockets (the caller's from then on); <paramref name="udevdPid"/> looks for udevd's main pid every <paramref name="interval"/>.</summary>
    public UdevOrKernelUeventSource(NetlinkUeventSource udev, NetlinkUeventSource kernel, Func<int> udevdPid, TimeSpan interval)
    {
        _udev = udev;
        _kernel = kernel;
        _udevdPid = udevdPid;
        _interval = interval;
        _watch = new UdevdWatch(udevdPid());
    }

    /// <summary>Binds both groups; throws <see cref="System.Net.Sockets.SocketException"/> when either cannot be bound.</summary>
    public static UdevOrKernelUeventSource Open(int receiveBuffer = NetlinkUeventSource.ReceiveBufferBytes)
    {
        NetlinkUeventSource udev = NetlinkUeventSource.Open(UeventGroup.Udev, receiveBuffer);
        try
        {
            return new UdevOrKernelUeventSource(udev, NetlinkUeventSource.Open(UeventGroup.Kernel, receiveBuffer), UdevdProcess.MainPid, TimeSpan.FromSeconds(1));
        }
        catch
        {
            udev.Dispose();
            throw;
        }
    }

    /// <summary>Whether the kernel's group is followed now (udevd is not running, or not for long).</summary>
    public bool FollowsKernel
    {
        get
        {
            lock (_gate)
            {
                return _watch.FollowsKernel;
            }
        }
    }

    // The followed group's description comes first: the log and host.info read it as "what we listen to".
    public string Description
    {
        get
        {
            lock (_gate)
            {
                return _watch.FollowsKernel
                    ? $"{_kernel.Description} (udevd is not running; its group, port {_udev.PortId}, once it is)"
                    : $"{_udev.Description} (udevd pid {_watch.Pid}; the kernel group, port {_kernel.PortId}, while udevd is down)";
            }
        }
    }

    public async Task RunAsync(ChannelWriter<SourceMessage> output, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Channel<SourceMessage> kernel = Channel.CreateBounded<SourceMessage>(
            new BoundedChannelOptions(1024) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        Task[] loops =
        [
            _udev.RunAsync(output, stop.Token),
            _kernel.RunAsync(kernel.Writer, stop.Token),
            ForwardKernelAsync(kernel.Reader, output, stop.Token),
            WatchAsync(output, stop.Token),
        ];

        // None ends but by cancellation or a failed socket; either way the others stop with it.
        Task first = await Task.WhenAny(loops);
        await stop.CancelAsync();
        await Task.WhenAll(loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await first;
    }

    private async Task ForwardKernelAsync(ChannelReader<SourceMessage> reader, ChannelWriter<SourceMessage> output, CancellationToken ct)
    {
        await foreach (SourceMessage m in reader.ReadAllAsync(ct))
        {
            // A refusal is news whoever is followed (a forger); an event or an overflow only while the kernel is.
            if (m is SourceMessage.Rejected || FollowsKernel)
            {
                await output.WriteAsync(m, ct);
            }
        }
    }

    private async Task WatchAsync(ChannelWriter<SourceMessage> output, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_interval);
        while (await timer.WaitForNextTickAsync(ct))
        {
            int pid = _udevdPid();
            string? change;
            lock (_gate)
            {
                change = _watch.Observe(pid);
            }

            if (change is not null)
            {
                await output.WriteAsync(new SourceMessage.SourceChanged(change), ct);
            }
        }
    }

    public void Dispose()
    {
        _udev.Dispose();
        _kernel.Dispose();
    }
}
