using System.Diagnostics.CodeAnalysis;
using StreamJsonRpc;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Protocol.StreamJsonRpc;

/// <summary>
/// usbpassd's methods as a StreamJsonRpc contract: one method per RPC method of
/// <c>protocol/openrpc.json</c>, with its wire name and snake_case parameter names, returning the
/// protocol's own records. Attach it with <see cref="UsbPassdRpc.AttachAsync"/> (params go by name, as
/// the daemon requires). A parameter without a default is required by the daemon; an optional one left
/// at its default is sent as null (false for <c>include_deleted</c>), which the daemon reads as absent.
/// Errors are <see cref="RemoteRpcException"/>s (<see cref="RemoteMethodNotFoundException"/> for -32601
/// and -32602 alike, <see cref="RemoteInvocationException"/> for the others): <c>ErrorCode</c> is the code of
/// <see cref="ErrorCodes"/>, <see cref="RemoteRpcExceptionExtensions.ToRpcException"/> gives the
/// <c>data</c> as JSON.
/// </summary>
/// <remarks>
/// Not partial, so without PolyType's shape: for a partial contract StreamJsonRpc's generator (2.26) adds an
/// attribute naming <c>StreamJsonRpc.Generated</c> without <c>global::</c>, which this namespace hides
/// (CS0234). <see cref="UsbPassdRpc"/>'s <c>Attach</c> gets its source-generated proxy all the same (an
/// interceptor, <c>EnableStreamJsonRpcInterceptors</c>); a caller's own <c>JsonRpc.Attach&lt;IUsbPassd&gt;</c> in a
/// project without that property gets a proxy emitted at run time (JIT only).
/// </remarks>
[JsonRpcContract]
[SuppressMessage("Usage", "StreamJsonRpc0002:Non-partial interface", Justification = "CS0234 in the generated code, see remarks")]
[SuppressMessage("Usage", "StreamJsonRpc0008:Add methods to PolyType shape for RPC contract interface", Justification = "A shape needs a partial interface; the SystemTextJsonFormatter does not use it")]
public interface IUsbPassd
{
    [JsonRpcMethod(Methods.HostInfo)]
    Task<HostInfo> HostInfoAsync(CancellationToken cancellationToken = default);

    [JsonRpcMethod(Methods.DevicesList)]
    Task<DeviceRecord[]> DevicesListAsync(
        [JsonRpcParameter("status")] string? status = null,
        [JsonRpcParameter("vendor_id")] string? vendorId = null,
        [JsonRpcParameter("product_id")] string? productId = null,
        [JsonRpcParameter("serial")] string? serial = null,
        [JsonRpcParameter("instance_uuid")] string? instanceUuid = null,
        [JsonRpcParameter("include_deleted")] bool includeDeleted = false,
        CancellationToken cancellationToken = default);

    /// <summary>Exactly one selector.</summary>
    [JsonRpcMethod(Methods.DevicesGet)]
    Task<DeviceRecord> DevicesGetAsync(
        [JsonRpcParameter("id")] long? id = null,
        [JsonRpcParameter("dev_id")] string? devId = null,
        [JsonRpcParameter("port_id")] string? portId = null,
        [JsonRpcParameter("address")] string? address = null,
        CancellationToken cancellationToken = default);

    /// <summary>From now on the connection's <see cref="IUsbPassdNotifications"/> target receives the device notifications.</summary>
    [JsonRpcMethod(Methods.EventsSubscribe)]
    Task<SubscribeResult> EventsSubscribeAsync(CancellationToken cancellationToken = default);

    [JsonRpcMethod(Methods.DevicesReserve)]
    Task<AssignmentResult> DevicesReserveAsync(
        [JsonRpcParameter("device")] string device,
        [JsonRpcParameter("instance_uuid")] string instanceUuid,
        [JsonRpcParameter("ttl_seconds")] int? ttlSeconds = null,
        CancellationToken cancellationToken = default);

    [JsonRpcMethod(Methods.DevicesRelease)]
    Task<AssignmentResult> DevicesReleaseAsync(
        [JsonRpcParameter("device")] string device,
        [JsonRpcParameter("instance_uuid")] string instanceUuid,
        CancellationToken cancellationToken = default);

    [JsonRpcMethod(Methods.DevicesAttach)]
    Task<AssignmentResult> DevicesAttachAsync(
        [JsonRpcParameter("device")] string device,
        [JsonRpcParameter("instance")] string instance,
        [JsonRpcParameter("mode")] string? mode = null,
        [JsonRpcParameter("controller")] string? controller = null,
        [JsonRpcParameter("missing_policy")] string? missingPolicy = null,
        [JsonRpcParameter("token")] long? token = null,
        [JsonRpcParameter("migration")] string? migration = null,
        CancellationToken cancellationToken = default);

    /// <summary>Cancelling only stops the waiting (error 1004): the detach goes on and settles by itself.</summary>
    [JsonRpcMethod(Methods.DevicesDetach)]
    Task<AssignmentResult> DevicesDetachAsync(
        [JsonRpcParameter("device")] string device,
        [JsonRpcParameter("instance")] string instance,
        [JsonRpcParameter("mode")] string? mode = null,
        CancellationToken cancellationToken = default);

    [JsonRpcMethod(Methods.DevicesSwap)]
    Task<AssignmentResult> DevicesSwapAsync(
        [JsonRpcParameter("instance")] string instance,
        [JsonRpcParameter("from")] string fromDevice,
        [JsonRpcParameter("to")] string toDevice,
        [JsonRpcParameter("mode")] string? mode = null,
        CancellationToken cancellationToken = default);

    [JsonRpcMethod(Methods.DevicesSetMigration)]
    Task<AssignmentResult> DevicesSetMigrationAsync(
        [JsonRpcParameter("device")] string device,
        [JsonRpcParameter("migration")] string migration,
        CancellationToken cancellationToken = default);

    [JsonRpcMethod(Methods.InstancesDevices)]
    Task<DeviceRecord[]> InstancesDevicesAsync(
        [JsonRpcParameter("instance")] string instance,
        CancellationToken cancellationToken = default);

    [JsonRpcMethod(Methods.InstancesList)]
    Task<InstanceInfo[]> InstancesListAsync(CancellationToken cancellationToken = default);

    [JsonRpcMethod(Methods.InstancesMigrationCheck)]
    Task<MigrationCheckResult> InstancesMigrationCheckAsync(
        [JsonRpcParameter("instance")] string instance,
        [JsonRpcParameter("destination")] string? destination = null,
        CancellationToken cancellationToken = default);

    [JsonRpcMethod(Methods.MetricsGet)]
    Task<MetricsResult> MetricsGetAsync(CancellationToken cancellationToken = default);

    [JsonRpcMethod(Methods.PolicyCheck)]
    Task<PolicyCheckResult> PolicyCheckAsync(
        [JsonRpcParameter("device")] string device,
        CancellationToken cancellationToken = default);

    [JsonRpcMethod(Methods.PolicyShow)]
    Task<PolicyShowResult> PolicyShowAsync(CancellationToken cancellationToken = default);

    [JsonRpcMethod(Methods.PolicyReload)]
    Task<PolicyReloadResult> PolicyReloadAsync(CancellationToken cancellationToken = default);

    /// <summary>One page, newest back; ask again with <paramref name="beforeId"/> = the page's <c>NextBeforeId</c> until that is null.</summary>
    [JsonRpcMethod(Methods.HistoryList)]
    Task<HistoryPage> HistoryListAsync(
        [JsonRpcParameter("device")] string? device = null,
        [JsonRpcParameter("instance")] string? instance = null,
        [JsonRpcParameter("limit")] int? limit = null,
        [JsonRpcParameter("before_id")] long? beforeId = null,
        CancellationToken cancellationToken = default);

    [JsonRpcMethod(Methods.HookQemu)]
    Task<HookResult> HookQemuAsync(
        [JsonRpcParameter("domain_uuid")] string domainUuid,
        [JsonRpcParameter("operation")] string operation,
        [JsonRpcParameter("sub_operation")] string subOperation,
        [JsonRpcParameter("xml_base64")] string? xmlBase64 = null,
        CancellationToken cancellationToken = default);
}
