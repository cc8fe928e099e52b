using System.Text.Json;
using System.Text.Json.Serialization;

namespace UsbPassd.Protocol.StreamJsonRpc;

/// <summary>
/// What StreamJsonRpc serializes besides the protocol's records (<see cref="ProtocolJson"/>): the
/// arguments of <see cref="IUsbPassd"/>, sent one by one by their declared type, the id a cancelled call's
/// <c>$/cancelRequest</c> names, and an error's <c>data</c>, kept as JSON. Source-generated, so the formatter
/// needs no reflection (NativeAOT).
/// </summary>
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int?))]
[JsonSerializable(typeof(long?))]
[JsonSerializable(typeof(JsonElement?))]
[JsonSerializable(typeof(global::StreamJsonRpc.RequestId))]
internal sealed partial class RpcJson : JsonSerializerContext;
