using System.Runtime.CompilerServices;
using System.Text.Json;
using UsbPassd.Assignment;
using UsbPassd.Daemon.Services;
using UsbPassd.Policy;
using UsbPassd.Protocol;
using UsbPassd.Protocol.JsonRpc;
using UsbPassd.Protocol.Messages;
using UsbPassd.Registry;
using UsbPassd.Rpc;

namespace UsbPassd.Daemon.Api;

/// <summary>policy.check, policy.show (read) and policy.reload (modify).</summary>
public sealed class PolicyMethods(PolicyService policy, AssignmentService assignments, Hosting.DaemonOptions options) : IRpcMethods
{
    [ModuleInitializer]
    internal static void Enlist() => RpcMethodCatalog.Enlist<PolicyMethods>();

    public void Register(RpcDispatcher dispatcher)
    {
        dispatcher.Add(Methods.PolicyCheck, Privilege.Read, ProtocolJson.Default.PolicyCheckParams, ProtocolJson.Default.PolicyCheckResult, (_, p, _) => ValueTask.FromResult(Check(p)));
        dispatcher.Add(Methods.PolicyShow, Privilege.Read, ProtocolJson.Default.NoParams, ProtocolJson.Default.PolicyShowResult, (_, _, _) => ValueTask.FromResult(new PolicyShowResult
        {
            Text = policy.Describe(),
            Rules = policy.Judge.Policy.Rules.Count,
            PolicyFile = options.PolicyFile,
        }));
        dispatcher.Add(Methods.PolicyReload, Privilege.Modify, ProtocolJson.Default.NoParams, ProtocolJson.Default.PolicyReloadResult, (_, _, _) => ValueTask.FromResult(Reload()));
        }

    private PolicyCheckResult Check(PolicyCheckParams p)
    {
        DeviceRow row = assignments.Resolve(AssignmentWire.Key(p.Device));
        PolicyDecision d = policy.Check(row)
            ?? throw new RpcException(ErrorCodes.NotPossible, $"device {row.PortId} is not plugged in now: the policy judges devices as they are on the host");
        return new PolicyCheckResult
        {
            Device = row.ToRecord(),
            Allowed = d.Allowed,
            Verdict = d.Verdict.ToString().ToLowerInvariant(),
            Reason = d.Reason,
            Rule = d.Rule.Description,
            Refusals = [.. d.Refusals.Select(r => r.ToString())],
            Overridden = [.. d.Overridden.Select(r => r.ToString())],
        };
    }

    private PolicyReloadResult Reload()
    {
        try
        {
            var (loaded, refused) = policy.Reload();
            return new PolicyReloadResult
            {
                Rules = loaded.Rules.Count,
                Default = loaded.DefaultRule.Text,
                OwnedButRefused = [.. refused.Select(x => new PolicyConflict
                {
                    PortId = x.Row.PortId ?? "?",
                    DevId = x.Row.DevId,
                    Status = x.Row.Status,
                    InstanceUuid = x.Row.InstanceUuid,
                    Reason = x.Decision.Reason,
                })],
            };
        }
        catch (InvalidOperationException e)
        {
            throw new RpcException(ErrorCodes.InvalidParams, $"{e.Message}; the previous policy stays in force");
        }
    }
}
