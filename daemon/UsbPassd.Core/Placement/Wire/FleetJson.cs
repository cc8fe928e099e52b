using System.Text.Json.Serialization;

namespace UsbPassd.Placement.Wire;

/// <summary>The JSON the fleet view and the reference scheduler read and write, and a live migration's move (source-generated: NativeAOT).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FleetCandidatesDoc))]
[JsonSerializable(typeof(FleetAllocationsDoc))]
[JsonSerializable(typeof(Dictionary<Guid, FleetAllocationsDoc>))]
[JsonSerializable(typeof(FleetConsumerDoc))]
[JsonSerializable(typeof(ProviderListDoc))]
[JsonSerializable(typeof(PlacementOptions))]
public sealed partial class FleetJson : JsonSerializerContext;
