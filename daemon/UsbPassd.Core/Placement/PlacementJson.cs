using System.Text.Json.Serialization;
using UsbPassd.Placement.Wire;

namespace UsbPassd.Placement;

/// <summary>Every JSON shape the Placement sync reads or writes (source-generated: NativeAOT).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeviceFacts))]
[JsonSerializable(typeof(ProviderDoc))]
[JsonSerializable(typeof(ProviderListDoc))]
[JsonSerializable(typeof(NewProviderDoc))]
[JsonSerializable(typeof(InventoriesDoc))]
[JsonSerializable(typeof(TraitsDoc))]
[JsonSerializable(typeof(AllocationsDoc))]
[JsonSerializable(typeof(ConsumerAllocationsDoc))]
[JsonSerializable(typeof(VersionsDoc))]
[JsonSerializable(typeof(ErrorsDoc))]
[JsonSerializable(typeof(KeystoneAuthRequest))]
[JsonSerializable(typeof(KeystoneTokenResponse))]
[JsonSerializable(typeof(SyncCache))]
internal sealed partial class PlacementJson : JsonSerializerContext;
