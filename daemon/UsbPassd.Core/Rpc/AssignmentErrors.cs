using System.Text.Json;
using UsbPassd.Assignment;
using UsbPassd.Protocol;
using UsbPassd.Protocol.JsonRpc;
using UsbPassd.Registry;

namespace UsbPassd.Rpc;

/// <summary>
/// The one table from an assignment refusal to the wire: each <see cref="RefusalReason"/> has its
/// JSON-RPC error code; the message is the refusal's own sentence; an ownership conflict carries
/// the owner as <c>data</c> (<c>instance_uuid</c>, <c>state</c>, <c>since</c>).
/// </summary>
public static class AssignmentErrors
{
    public static IReadOnlyDictionary<RefusalReason, int> Codes { get; } = new Dictionary<RefusalReason, int>
    {
        [RefusalReason.InvalidRequest] = ErrorCodes.InvalidParams,
        [RefusalReason.DeviceNotFound] = ErrorCodes.DeviceNotFound,
        [RefusalReason.DeviceAmbiguous] = ErrorCodes.DeviceAmbiguous,
        [RefusalReason.InstanceNotFound] = ErrorCodes.InstanceNotFound,
        [RefusalReason.Owned] = ErrorCodes.DeviceOwned,
        [RefusalReason.ReservationGone] = ErrorCodes.NotPossible,
        [RefusalReason.NotHeld] = ErrorCodes.NotPossible,
        [RefusalReason.NotPassable] = ErrorCodes.NotPossible,
        [RefusalReason.PolicyRefused] = ErrorCodes.NotPossible,
        [RefusalReason.DomainRefuses] = ErrorCodes.NotPossible,
        [RefusalReason.LibvirtUnavailable] = ErrorCodes.NotPossible,
        [RefusalReason.LibvirtFailed] = ErrorCodes.LibvirtFailed,
        [RefusalReason.StoppedWaiting] = ErrorCodes.RequestCancelled,
    };

    public static RpcException ToRpc(this AssignmentRefusedException e) =>
        new(Codes.TryGetValue(e.Reason, out int code) ? code : ErrorCodes.InternalError, e.Message, e.Owner is Claim owner ? OwnerData(owner) : null);

    private static JsonElement OwnerData(Claim owner) => JsonSerializer.SerializeToElement(
        new Dictionary<string, string?> { ["instance_uuid"] = owner.InstanceUuid, ["state"] = owner.State.Name(), ["since"] = owner.CreatedAt },
        AssignmentErrorJson.Default.DictionaryStringString);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string?>))]
internal sealed partial class AssignmentErrorJson : System.Text.Json.Serialization.JsonSerializerContext;
