using System.Text.Json;
using System.Text.Json.Serialization;

namespace UsbPassd.Registry;

// The JSON written into usb_device_history.detail, one record per kind of entry. They were anonymous
// objects serialised by reflection; NativeAOT has no such reflection, so each shape is named here and
// serialised by RegistryJson's source generator. Property order and names (snake_case, nulls written)
// are those of the anonymous objects, so entries written before and after read the same.

/// <summary>What a history entry says beyond its kind; only these records can be written.</summary>
internal abstract record HistoryDetail;

internal sealed record ClaimDetail(string InstanceUuid, long Token, string? PreviousOwner, string By, string? Rule) : HistoryDetail;

internal sealed record StateDetail(string InstanceUuid, string By, string? Rule) : HistoryDetail;

internal sealed record ReleasedDetail(string InstanceUuid, string By) : HistoryDetail;

internal sealed record RefusedDetail(string? InstanceUuid, string Action, string Reason, string By, string? Rule) : HistoryDetail;

internal sealed record AddedDetail(string PortId, string Address, long? PreviousId, string Status) : HistoryDetail;

internal sealed record StatusChangedDetail(string From, string To) : HistoryDetail;

internal sealed record DevicePlace(string Address, string? PortId, string? DevId);

internal sealed record ReplacedDetail(long PreviousId, DevicePlace From, DevicePlace To, string? InstanceUuid, string Status) : HistoryDetail;

internal sealed record MissingDetail(string? PortId, string Address, string? InstanceUuid, string Was) : HistoryDetail;

internal sealed record UnpluggedDetail(string? PortId, string Address) : HistoryDetail;

internal sealed record MigrationDetail(string InstanceUuid, string Migration, string By) : HistoryDetail;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ClaimDetail))]
[JsonSerializable(typeof(StateDetail))]
[JsonSerializable(typeof(ReleasedDetail))]
[JsonSerializable(typeof(RefusedDetail))]
[JsonSerializable(typeof(AddedDetail))]
[JsonSerializable(typeof(StatusChangedDetail))]
[JsonSerializable(typeof(ReplacedDetail))]
[JsonSerializable(typeof(MissingDetail))]
[JsonSerializable(typeof(UnpluggedDetail))]
[JsonSerializable(typeof(MigrationDetail))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(Devices.DeviceFacts))]
internal sealed partial class RegistryJson : JsonSerializerContext
{
    /// <summary>A history detail as JSON, by its runtime type's generated serialiser.</summary>
    public static string Detail(HistoryDetail detail) => JsonSerializer.Serialize(detail, detail.GetType(), Default);
}
