using System.Text.Json;
using UsbPassd.Assignment;
using UsbPassd.Daemon.Libvirt;
using UsbPassd.Policy;
using UsbPassd.Protocol;
using UsbPassd.Protocol.JsonRpc;
using UsbPassd.Protocol.Messages;
using UsbPassd.Registry;
using UsbPassd.Rpc;

namespace UsbPassd.Daemon.Policy;

/// <summary>policy.check, policy.show (read), policy.reload (modify) and history.list (read).</summary>
public sealed class PolicyMethods(PolicyService policy, AssignmentService assignments, DeviceRepository devices, Hosting.DaemonOptions options, LibvirtService libvirt)
{
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
        dispatcher.Add(Methods.HistoryList, Privilege.Read, ProtocolJson.Default.HistoryParams, ProtocolJson.Default.HistoryPage, (_, p, _) => ValueTask.FromResult(History(p)));
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

    private HistoryPage History(HistoryParams p)
    {
        // The history only grows: one call returns a bounded page, and the cursor leads to the rest.
        int limit = p.Limit switch
        {
            null => HistoryParams.DefaultLimit,
            <= 0 => throw new RpcException(ErrorCodes.InvalidParams, "limit must be positive"),
            > HistoryParams.MaxLimit => throw new RpcException(ErrorCodes.InvalidParams,
                $"limit must be at most {HistoryParams.MaxLimit}; for more, ask again with before_id set to the next_before_id of the answer, page by page"),
            int n => n,
        };
        if (p.BeforeId is <= 0)
        {
            throw new RpcException(ErrorCodes.InvalidParams, "before_id must be positive: the next_before_id of a previous answer");
        }

        string? devId = p.Device is null ? null : DeviceSelector.Parse(p.Device).DevId ?? assignments.Resolve(AssignmentWire.Key(p.Device)).DevId;
        string? instance = p.Instance;
        if (instance is not null && !Guid.TryParse(instance, out _) && libvirt.Current() is { } connection)
        {
            try
            {
                using UsbPassd.Libvirt.LibvirtDomain domain = connection.FindDomain(instance);
                instance = domain.Uuid;
            }
            catch (UsbPassd.Libvirt.LibvirtException)
            {
                // not a domain name libvirt knows: maybe one that is gone; search for the text as given
            }
        }

        // One more than asked tells whether an older page exists; it is left for that page.
        IReadOnlyList<HistoryEntry> entries = devices.History(devId, instance, limit + 1, p.BeforeId);
        bool older = entries.Count > limit;
        HistoryRecord[] page = [.. entries.Skip(older ? 1 : 0).Select(ToRecord)];
        return new HistoryPage { Entries = page, NextBeforeId = older ? page[0].Id : null };
    }

    private static HistoryRecord ToRecord(HistoryEntry e)
    {
        JsonElement? detail = null;
        string? instance = null, by = null, rule = null;
        if (e.Detail is string text)
        {
            using JsonDocument doc = JsonDocument.Parse(text);
            detail = doc.RootElement.Clone();
            instance = Text(doc.RootElement, "instance_uuid");
            by = Text(doc.RootElement, "by");
            rule = Text(doc.RootElement, "rule");
        }

        return new HistoryRecord { Id = e.Id, At = e.At, DevId = e.DevId, RowId = e.RowId, Kind = e.Kind, InstanceUuid = instance, By = by, Rule = rule, Detail = detail };
    }

    private static string? Text(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
