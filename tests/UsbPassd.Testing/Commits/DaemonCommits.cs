using System.Threading.Channels;
using UsbPassd.Assignment;
using UsbPassd.Devices;
using UsbPassd.Pipeline;
using UsbPassd.Policy;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;
using UsbPassd.Registry;
using UsbPassd.Rpc;
using UsbPassd.Uevents;

namespace UsbPassd.Testing.Commits;

/// <summary>
/// The daemon's event pipeline in this process, with the registry feed's subscribers attached as the
/// daemon attaches them, so that a commit costs here what it costs in usbpassd: the policy's rules
/// judge every commit, the read model (<see cref="DeviceView"/>) takes the rows in, the RPC
/// notifications are formatted as for one subscribed client (RpcService.Notify, up to the socket's
/// send), and the replug follower gets the commit through a channel and follows it
/// (AssignmentService.Follow, without libvirt: no device is owned, as on most commits).
/// In usbpassd the follower runs on its own thread; here it runs on this one right after the commit,
/// so that one thread's allocations are the commit's whole cost.
/// </summary>
public sealed class DaemonCommits : IDisposable
{
    private readonly DevicePipeline _pipeline;
    private readonly AssignmentService _assignments;
    private readonly Channel<(IReadOnlyList<RowChange> Rows, long CommittedAt)> _replug = Channel.CreateUnbounded<(IReadOnlyList<RowChange>, long)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<IDisposable> _subscriptions = [];
    private Exception? _fault;
    private long _publishedAt = -1;

    public DaemonCommits(string sysfsRoot, string registryPath, UsbIds names)
    {
        Database = RegistryDatabase.Open(registryPath, "bench");
        Devices = new DeviceRepository(Database, names);
        var judge = new PolicyJudge(DevicePolicy.Default, new HostFactsReader(sysfsRoot, "/proc"));
        _pipeline = new DevicePipeline(new SysfsScanner(sysfsRoot), Devices, names, judge.JudgeRules);
        _assignments = new AssignmentService(Devices, new AssignmentRepository(Database), () => null);
        _pipeline.Resync();

        // A mark before the others: this thread's allocations when the feed starts telling subscribers.
        _subscriptions.Add(Database.Changes.Subscribe(_ => _publishedAt = GC.GetAllocatedBytesForCurrentThread()));

        // In the daemon's order: the read model, then RpcService, then ReplugService.
        View = new DeviceView(Devices);
        _subscriptions.Add(View);
        _subscriptions.Add(Database.Changes.Subscribe(Notify));
        _subscriptions.Add(Database.Changes.Subscribe(commit =>
        {
            if (commit.Cause != ChangeCause.Ownership)
            {
                _replug.Writer.TryWrite((commit.Rows, System.Diagnostics.Stopwatch.GetTimestamp()));
            }
        }));
        Database.Changes.Faulted += e => _fault ??= e;
    }

    public RegistryDatabase Database { get; }

    public DeviceRepository Devices { get; }

    public DeviceView View { get; }

    /// <summary>RPC notifications formatted so far (one a device row a commit changed).</summary>
    public long Notifications { get; private set; }

    /// <summary>Bytes the last commit's subscribers and the replug follower allocated on this thread (0 when it changed no row).</summary>
    public long SubscriberBytes { get; private set; }

    /// <summary>One uevent batch: the pipeline's commit, its subscribers, then the replug follower's work.</summary>
    /// <exception cref="InvalidOperationException">A subscriber failed (the daemon would log it and go on).</exception>
    public void Commit(IEnumerable<Uevent> batch)
    {
        _publishedAt = -1;
        _pipeline.Apply(batch);
        while (_replug.Reader.TryRead(out var work))
        {
            _assignments.Follow(work.Rows, work.CommittedAt);
        }

        SubscriberBytes = _publishedAt < 0 ? 0 : GC.GetAllocatedBytesForCurrentThread() - _publishedAt;

        if (_fault is Exception e)
        {
            throw new InvalidOperationException("a subscriber of the registry's feed failed", e);
        }
    }

    /// <summary>A kernel uevent for the USB device at <paramref name="devPath"/>, as the pipeline gets it.</summary>
    public static Uevent Event(string action, string devPath) =>
        UeventParser.TryParse(RecordedUevents.KernelDatagram(action, devPath, ("SUBSYSTEM", "usb"), ("DEVTYPE", "usb_device")), out Uevent? e, out string? why)
            ? e : throw new InvalidOperationException(why);

    /// <summary>The DEVPATHs of the USB devices (not root hubs) in a sysfs tree, in order.</summary>
    public static string[] DevPaths(string sysfsRoot) =>
        [.. new SysfsScanner(sysfsRoot).Scan().Devices.Where(d => d.SysfsPath is not null && !d.PortId.StartsWith("usb", StringComparison.Ordinal))
            .Select(d => d.SysfsPath!).Order(StringComparer.Ordinal)];

    // What RpcService.Notify costs with one client subscribed (RpcServer.Broadcast formats each line once,
    // then sends it): a notification line a device row, its record serialized. Which of device.added,
    // .removed or .changed it names costs nothing more, so this one leaves the choice out.
    private void Notify(RegistryChange commit)
    {
        foreach (RowChange change in commit.Rows.Where(c => c.Row is DeviceRow))
        {
            var payload = new DeviceEvent { Device = ((DeviceRow)change.Row!).ToRecord(), ReplacesId = change.ReplacesId };
            _ = RpcFormatter.Notification(Methods.Notifications.DeviceChanged, payload, ProtocolJson.Default.DeviceEvent);
            Notifications++;
        }
    }

    public void Dispose() => _subscriptions.ForEach(s => s.Dispose());
}
