using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using UsbPassd.Assignment;
using UsbPassd.Daemon.Services;
using UsbPassd.Metrics;
using UsbPassd.Migration;
using UsbPassd.Protocol;
using UsbPassd.Protocol.JsonRpc;
using UsbPassd.Protocol.Messages;
using UsbPassd.Rpc;

namespace UsbPassd.Daemon.Api;

/// <summary>
/// <c>hook.qemu</c>, called by the libvirt hook while libvirtd waits for it: answered from the
/// registry alone, at once (with Placement on, after asking Placement what the domain was allocated,
/// for at most <see cref="PlacementWait"/>). Work on libvirt (reconciling) is queued for after the answer.
/// </summary>
public sealed partial class HookMethods(StartGate gate, ReplugService replug, PlacementService placement, MigrationService migration, ILogger<HookMethods> log) : IRpcMethods
{
    [ModuleInitializer]
    internal static void Enlist() => RpcMethodCatalog.Enlist<HookMethods>();

    private static readonly HookResult Allowed = new() { Allowed = true };

    // libvirtd waits for the hook; Placement answers in milliseconds when it answers at all.
    private static readonly TimeSpan PlacementWait = TimeSpan.FromSeconds(2);

    public void Register(RpcDispatcher dispatcher) =>
        dispatcher.Add(Methods.HookQemu, Privilege.Modify, ProtocolJson.Default.HookParams, ProtocolJson.Default.HookResult, (_, p, ct) => HookAsync(p, ct));

    private async ValueTask<HookResult> HookAsync(HookParams p, CancellationToken ct)
    {
        string uuid = p.DomainUuid is string u && Guid.TryParse(u, out _) ? u : throw new RpcException(ErrorCodes.InvalidParams, "domain_uuid must be a UUID");
        string operation = HookWord(p.Operation, "operation"), subOperation = HookWord(p.SubOperation, "sub_operation");
        LogCall(operation, subOperation, uuid);
        if ((operation, subOperation) is not (("prepare" or "migrate"), "begin"))
        {
            replug.QueueReconcile(ReconcileCause.Hook); // started, stopped, released...: look at libvirt once the hook has returned
            return Allowed;
        }

        string xml;
        try
        {
            xml = Encoding.UTF8.GetString(Convert.FromBase64String(p.XmlBase64 ?? ""));
        }
        catch (FormatException)
        {
            throw new RpcException(ErrorCodes.InvalidParams, "xml_base64 is not base64");
        }

        if (operation == "migrate")
        {
            return await IncomingAsync(uuid, xml, ct).ConfigureAwait(false);
        }

        // The allocation first: a device Placement gave this instance is reserved before the gate looks.
        if ((await placement.BeforeStartAsync(uuid, PlacementWait, ct).ConfigureAwait(false) ?? gate.Refusal(uuid, xml)) is string refusal)
        {
            LogRefused(uuid, refusal);
            throw new RpcException(ErrorCodes.StartRefused, refusal);
        }

        return Allowed;
    }

    // The destination of a live migration: our hostdevs pointed at this host's devices, or a refusal libvirt shows.
    private async Task<HookResult> IncomingAsync(string uuid, string xml, CancellationToken ct)
    {
        IncomingDomain domain;
        try
        {
            domain = IncomingDomain.Read(xml);
        }
        catch (Exception e) when (e is System.Xml.XmlException or FormatException)
        {
            // A hook older than migrations sends only the hostdevs: nothing to decide with; libvirt looks the devices up itself.
            LogUnreadable(uuid, e.Message);
            return Allowed;
        }

        try
        {
            IncomingPrepared prepared = await migration.IncomingAsync(domain, PlacementWait, ct).ConfigureAwait(false);
            return prepared.Xml is string rewritten ? new HookResult { Allowed = true, XmlBase64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(rewritten)) } : Allowed;
        }
        catch (AssignmentRefusedException e)
        {
            // The hook cuts the message out of the reply line: no '"' or '\' in it.
            string refusal = $"usbpassd on {Environment.MachineName}: {e.Message}".Replace('"', '\'').Replace('\\', '/');
            LogRefused(uuid, refusal);
            throw new RpcException(ErrorCodes.StartRefused, refusal);
        }
    }

    // libvirt's words ("prepare", "begin", "-"): anything else is not libvirt's hook and must not reach the log as is.
    private static string HookWord(string? word, string name) =>
        word is { Length: > 0 and <= 32 } && word.All(ch => char.IsAsciiLetterLower(ch) || ch == '-')
            ? word
            : throw new RpcException(ErrorCodes.InvalidParams, $"{name} must be one of libvirt's hook words (lower-case letters and '-', like prepare or begin)");

    [LoggerMessage(Level = LogLevel.Information, Message = "libvirt hook: {Operation} {SubOperation} of domain {Uuid}")]
    private partial void LogCall(string operation, string subOperation, string uuid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "incoming migration of domain {Uuid}: its XML cannot be read ({Why}); libvirt looks its USB devices up by itself")]
    private partial void LogUnreadable(string uuid, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "domain {Uuid} may not start: {Why}")]
    private partial void LogRefused(string uuid, string why);
}
