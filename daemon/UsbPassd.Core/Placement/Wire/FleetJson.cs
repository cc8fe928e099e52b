using System.Text.Json.Serialization;

namespace UsbPassd.Placement.Wire;

/// <summary>The JSON the fleet view and the reference scheduler read and write (source-generated: NativeAOT).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FleetCandidatesDoc))]
[JsonSerializable(typeof(FleetAllocationsDoc))]
[JsonSerializable(typeof(FleetConsumerDoc))]
[JsonSerializable(typeof(ProviderListDoc))]
[JsonSerializable(typeof(PlacementOptions))]
public sealed partial class FleetJson : JsonSerializerContext;
