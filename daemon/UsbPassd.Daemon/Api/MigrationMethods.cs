using System.Runtime.CompilerServices;
using UsbPassd.Assignment;
using UsbPassd.Migration;
using UsbPassd.Protocol;
using UsbPassd.Protocol.Messages;
using UsbPassd.Rpc;

namespace UsbPassd.Daemon.Api;

/// <summary>Live migration: <c>devices.set_migration</c> changes a device's decision (modify); <c>instances.migration_check</c> says what a migration would do (read).</summary>
public sealed class MigrationMethods(AssignmentService assignments) : IRpcMethods
{
    [ModuleInitializer]
    internal static void Enlist() => RpcMethodCatalog.Enlist<MigrationMethods>();

    public void Register(RpcDispatcher dispatcher)
    {
        dispatcher.Add(Methods.DevicesSetMigration, Privilege.Modify, ProtocolJson.Default.SetMigrationParams, ProtocolJson.Default.AssignmentResult, (call, p, _) =>
            ValueTask.FromResult(assignments.SetMigration(AssignmentWire.Key(p.Device), AssignmentWire.Decision(p.Migration)!.Value, AssignmentMethods.By(call)).ToResult()));
        dispatcher.Add(Methods.InstancesMigrationCheck, Privilege.Read, ProtocolJson.Default.MigrationCheckParams, ProtocolJson.Default.MigrationCheckResult, (_, p, _) => ValueTask.FromResult(Check(p)));
    }

    private MigrationCheckResult Check(MigrationCheckParams p)
    {
        List<MigrationCheckDevice> devices = [];
        string? uuid = null;
        foreach (var (row, claim, decision) in assignments.MigrationDecisionsOf(p.Instance))
        {
            uuid = claim.InstanceUuid;
            MigrationVerdict v = MigrationCheck.Judge(decision, row.PortId ?? "?", row.DevId ?? "?", row.VendorId ?? "?", row.ProductId ?? "?", assignments.LabelOf(row), p.Instance!);
            devices.Add(new MigrationCheckDevice { Device = row.ToRecord(), Migration = decision.Name(), Explicit = claim.Migration is not null, Outcome = v.Outcome, Why = v.Why });
        }

        return new MigrationCheckResult
        {
            InstanceUuid = uuid ?? assignments.InstanceUuid(p.Instance),
            Allowed = !devices.Any(d => d.Outcome == MigrationCheck.Blocks),
            Destination = p.Destination,
            Devices = devices,
        };
    }
}
