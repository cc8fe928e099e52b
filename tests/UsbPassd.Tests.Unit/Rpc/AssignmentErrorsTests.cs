using System.Text.Json;
using UsbPassd.Assignment;
using UsbPassd.Protocol;
using UsbPassd.Protocol.JsonRpc;
using UsbPassd.Protocol.Messages;
using UsbPassd.Registry;
using UsbPassd.Rpc;

namespace UsbPassd.Tests.Unit.Rpc;

/// <summary>The one table from an assignment refusal to the wire: every reason has the code it had when Core threw wire errors itself.</summary>
public sealed class AssignmentErrorsTests
{
    public static TheoryData<RefusalReason, int> Table => new()
    {
        { RefusalReason.InvalidRequest, ErrorCodes.InvalidParams },
        { RefusalReason.DeviceNotFound, ErrorCodes.DeviceNotFound },
        { RefusalReason.DeviceAmbiguous, ErrorCodes.DeviceAmbiguous },
        { RefusalReason.InstanceNotFound, ErrorCodes.InstanceNotFound },
        { RefusalReason.Owned, ErrorCodes.DeviceOwned },
        { RefusalReason.ReservationGone, ErrorCodes.NotPossible },
        { RefusalReason.NotHeld, ErrorCodes.NotPossible },
        { RefusalReason.NotPassable, ErrorCodes.NotPossible },
        { RefusalReason.PolicyRefused, ErrorCodes.NotPossible },
        { RefusalReason.DomainRefuses, ErrorCodes.NotPossible },
        { RefusalReason.LibvirtUnavailable, ErrorCodes.NotPossible },
        { RefusalReason.LibvirtFailed, ErrorCodes.LibvirtFailed },
        { RefusalReason.StoppedWaiting, ErrorCodes.RequestCancelled },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Each_reason_has_its_code_and_keeps_its_sentence(RefusalReason reason, int code)
    {
        RpcException wire = new AssignmentRefusedException(reason, "device 1-2 is not plugged in now").ToRpc();

        Assert.Equal(code, wire.Code);
        Assert.Equal("device 1-2 is not plugged in now", wire.Message);
        Assert.Null(wire.ErrorData);
    }

    [Fact]
    public void The_table_and_this_test_name_every_reason()
    {
        RefusalReason[] all = Enum.GetValues<RefusalReason>();
        Assert.Equal(all.Order(), AssignmentErrors.Codes.Keys.Order());
        Assert.Equal(all.Order(), Table.Select(row => (RefusalReason)row[0]).Order());
    }

    [Fact]
    public void An_ownership_conflict_carries_the_owner_as_data()
    {
        var owner = new Claim { DevId = "46f4:0001:x", InstanceUuid = "0b9d6a0e-5c7c-4e8a-9a57-3d1f0f3c2a11", State = ClaimState.Attached, CreatedAt = "2026-12-03T12:00:00.000Z" };

        RpcException wire = new AssignmentRefusedException(RefusalReason.Owned, "device 1-2 (46f4:0001:x) is attached by instance …", owner).ToRpc();

        Assert.Equal(ErrorCodes.DeviceOwned, wire.Code);
        Assert.Equal("""{"instance_uuid":"0b9d6a0e-5c7c-4e8a-9a57-3d1f0f3c2a11","state":"attached","since":"2026-12-03T12:00:00.000Z"}""", JsonSerializer.Serialize(wire.ErrorData!.Value));
    }

    [Fact]
    public async Task The_dispatcher_answers_a_refusal_with_the_tables_error()
    {
        var dispatcher = new RpcDispatcher(new AccessPolicy(null, AdminGroup: null));
        dispatcher.Add<NoParams, HookResult>("x.refuse", Privilege.Read, ProtocolJson.Default.NoParams, ProtocolJson.Default.HookResult,
            (_, _, _) => throw new AssignmentRefusedException(RefusalReason.NotHeld, "device 1-2 is not reserved by vm"));
        using JsonDocument request = JsonDocument.Parse("""{"jsonrpc":"2.0","id":7,"method":"x.refuse"}""");

        var root = new RpcCallContext(new PeerIdentity(Environment.ProcessId, 0, 0, new HashSet<uint>()), connection: null);

        RpcReply? reply = await dispatcher.HandleAsync(request.RootElement, root, CancellationToken.None);

        Assert.Contains("""{"code":1009,"message":"device 1-2 is not reserved by vm"}""", System.Text.Encoding.UTF8.GetString(reply!.Value.ToArray()));
    }
}
