using UsbPassd.Assignment;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;
using UsbPassd.Registry;

namespace UsbPassd.Rpc;

/// <summary>The assignment methods' params as domain requests, and outcomes as the wire's result.</summary>
public static class AssignmentWire
{
    /// <summary>A selector word as a <see cref="DeviceKey"/> (the protocol's <see cref="DeviceSelector"/> grammar); null when none was given.</summary>
    public static DeviceKey? Key(string? word)
    {
        if (string.IsNullOrWhiteSpace(word))
        {
            return null;
        }

        DevicesGetParams s = DeviceSelector.Parse(word);
        return new DeviceKey(word, s.Id, s.DevId, s.PortId, s.Address);
    }

    public static ReserveRequest ToRequest(this ReserveParams p) => new(Key(p.Device), p.InstanceUuid, p.TtlSeconds);

    public static ReleaseRequest ToRequest(this ReleaseParams p) => new(Key(p.Device), p.InstanceUuid);

    public static AttachRequest ToRequest(this AttachParams p) => new(Key(p.Device), p.Instance, p.Mode, p.Controller, p.MissingPolicy, p.Token, Decision(p.Migration, nullable: true));

    /// <summary>A migration word as the domain's decision; refused (invalid params) when it is none of the three.</summary>
    public static Migration.MigrationDecision? Decision(string? word, bool nullable = false) =>
        word is null && nullable ? null
        : Migration.MigrationDecisions.Parse(word) ?? throw new AssignmentRefusedException(RefusalReason.InvalidRequest, "migration must be refuse, equivalent or drop");

    public static DetachRequest ToRequest(this DetachParams p) => new(Key(p.Device), p.Instance, p.Mode);

    public static SwapRequest ToRequest(this SwapParams p) => new(p.Instance, Key(p.From), Key(p.To), p.Mode);

    public static AssignmentResult ToResult(this AssignmentOutcome o) => new()
    {
        Device = o.Device.ToRecord(),
        InstanceUuid = o.Claim?.InstanceUuid,
        State = o.Claim?.State.Name(),
        Token = o.Claim?.Token,
        ExpiresAt = o.Claim?.ExpiresAt,
        Alias = o.Claim?.Alias,
        Migration = o.Claim?.Migration is Migration.MigrationDecision m ? Migration.MigrationDecisions.Name(m) : null,
    };
}
