using System.Text.Json;
using System.Text.Json.Serialization;
using UsbPassd.Protocol.Messages;

namespace UsbPassd.Protocol;

/// <summary>
/// The one JSON shape of the protocol: snake_case names, nulls written (absent and empty differ),
/// source-generated so no reflection is needed at run time.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = false)]
[JsonSerializable(typeof(SetMigrationParams))]
[JsonSerializable(typeof(MigrationCheckParams))]
[JsonSerializable(typeof(MigrationCheckResult))]
[JsonSerializable(typeof(UsbDeviceInfo))]
[JsonSerializable(typeof(IReadOnlyList<UsbDeviceInfo>))]
[JsonSerializable(typeof(UsbDeviceInfo[]))]
[JsonSerializable(typeof(DeviceRecord))]
[JsonSerializable(typeof(DeviceRecord[]))]
[JsonSerializable(typeof(HostInfo))]
[JsonSerializable(typeof(DevicesListParams))]
[JsonSerializable(typeof(DevicesGetParams))]
[JsonSerializable(typeof(DeviceEvent))]
[JsonSerializable(typeof(SubscribeResult))]
[JsonSerializable(typeof(NoParams))]
[JsonSerializable(typeof(ReserveParams))]
[JsonSerializable(typeof(ReleaseParams))]
[JsonSerializable(typeof(AttachParams))]
[JsonSerializable(typeof(DetachParams))]
[JsonSerializable(typeof(SwapParams))]
[JsonSerializable(typeof(MetricsResult))]
[JsonSerializable(typeof(PolicyCheckParams))]
[JsonSerializable(typeof(PolicyCheckResult))]
[JsonSerializable(typeof(PolicyShowResult))]
[JsonSerializable(typeof(PolicyReloadResult))]
[JsonSerializable(typeof(HistoryParams))]
[JsonSerializable(typeof(HistoryRecord[]))]
[JsonSerializable(typeof(HistoryPage))]
[JsonSerializable(typeof(HookParams))]
[JsonSerializable(typeof(HookResult))]
[JsonSerializable(typeof(InstanceParams))]
[JsonSerializable(typeof(AssignmentResult))]
[JsonSerializable(typeof(InstanceInfo[]))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(UsbPassd.Protocol.JsonRpc.JsonRpcError))]
public sealed partial class ProtocolJson : JsonSerializerContext
{
    private static JsonSerializerOptions? s_indented;

    /// <summary>Options for output meant for people as well as programs (pretty, non-ASCII kept readable).</summary>
    /// <remarks>Built on first use: a static initializer could run before the generated <see cref="Default"/> exists.</remarks>
    public static JsonSerializerOptions Indented => s_indented ??= new()
    {
        TypeInfoResolver = Default,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
