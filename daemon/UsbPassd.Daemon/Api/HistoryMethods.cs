using System.Runtime.CompilerServices;
using System.Text.Json;
using UsbPassd.Assignment;
using UsbPassd.Daemon.Services;
using UsbPassd.Protocol;
using UsbPassd.Protocol.JsonRpc;
using UsbPassd.Protocol.Messages;
using UsbPassd.Registry;
using UsbPassd.Rpc;

namespace UsbPassd.Daemon.Api;

/// <summary>history.list (read): the registry's history, newest first, page by page.</summary>
public sealed class HistoryMethods(AssignmentService assignments, DeviceRepository devices, LibvirtService libvirt) : IRpcMethods
{
    [ModuleInitializer]
    internal static void Enlist() => RpcMethodCatalog.Enlist<HistoryMethods>();

    public void Register(RpcDispatcher dispatcher) =>
        dispatcher.Add(Methods.HistoryList, Privilege.Read, ProtocolJson.Default.HistoryParams, ProtocolJson.Default.HistoryPage, (_, p, _) => ValueTask.FromResult(History(p)));

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
