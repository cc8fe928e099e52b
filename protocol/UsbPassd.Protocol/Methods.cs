namespace UsbPassd.Protocol;

/// <summary>The JSON-RPC method and notification names of usbpassd (design.md); the names are the contract.</summary>
public static class Methods
{
    public const string HostInfo = "host.info";
    public const string DevicesList = "devices.list";
    public const string DevicesGet = "devices.get";
    public const string EventsSubscribe = "events.subscribe";
    public const string DevicesReserve = "devices.reserve";
    public const string DevicesRelease = "devices.release";
    public const string DevicesAttach = "devices.attach";
    public const string DevicesDetach = "devices.detach";
    public const string DevicesSwap = "devices.swap";
    public const string DevicesSetMigration = "devices.set_migration";
    public const string InstancesDevices = "instances.devices";
    public const string InstancesMigrationCheck = "instances.migration_check";
    public const string InstancesList = "instances.list";
    public const string MetricsGet = "metrics.get";
    public const string PolicyCheck = "policy.check";
    public const string PolicyShow = "policy.show";
    public const string PolicyReload = "policy.reload";
    public const string HistoryList = "history.list";
    public const string HookQemu = "hook.qemu";

    /// <summary>StreamJsonRpc's cancellation notification: <c>{"id": ...}</c> of a request in flight.</summary>
    public const string CancelRequest = "$/cancelRequest";

    /// <summary>Notifications sent to subscribers.</summary>
    public static class Notifications
    {
        public const string DeviceAdded = "device.added";
        public const string DeviceRemoved = "device.removed";
        public const string DeviceChanged = "device.changed";
    }
}
