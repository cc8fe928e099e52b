using System.Text.Json.Serialization;
using UsbPassd.Placement.Fleet;

namespace UsbPassd.Cli.Output;

/// <summary>What the fleet commands print with --json (snake_case, indented, nulls kept as the protocol's shapes).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(IReadOnlyList<FleetDevice>))]
[JsonSerializable(typeof(FleetPlacement))]
[JsonSerializable(typeof(FleetRelease))]
internal sealed partial class FleetOutputJson : JsonSerializerContext;

