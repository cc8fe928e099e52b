using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UsbPassd.Daemon.Hosting;
using UsbPassd.Devices;
using UsbPassd.Faults;
using UsbPassd.Policy;
using UsbPassd.Registry;

namespace UsbPassd.Daemon.Services;

/// <summary>
/// The device policy in force: judges every commit (on the pipeline thread), judges a device again
/// with the host as it is now before it is reserved or attached, and is reloaded on SIGHUP or by
/// <c>policy.reload</c>. A reload that does not parse keeps the old policy. Devices that become
/// blocked while attached are reported, not detached: the operator decides.
/// </summary>
public sealed partial class PolicyService(DaemonOptions options, DevicePolicy initial, SysfsScanner scanner, DeviceRepository devices, ILogger<PolicyService> log) : IHostedService, IDisposable
{
    private readonly LogPrivacy _privacy = new(options.HideSerials);
    private readonly HostFactsReader _facts = new(options.SysfsRoot, options.ProcRoot);
    private readonly Lock _reloading = new();
    private PolicyJudge? _judge;
    private PosixSignalRegistration? _hangup;

    /// <summary>Raised after a reload put a new policy in force: the uevent pipeline judges the present devices again.</summary>
    public event Action? Reloaded;

    public PolicyJudge Judge => _judge ??= new PolicyJudge(initial, _facts);

    /// <summary>The rule text in force with each rule's origin (<c>policy.show</c>).</summary>
    public string Describe() => Judge.Policy.ToString();

    /// <summary>For the event pipeline: rules and hubs only (host facts are judged before a reserve or attach).</summary>
    public IReadOnlyList<DeviceJudgement> JudgeAll(IReadOnlyList<UsbDevice> present) => Judge.JudgeRules(present);

    /// <summary>The decision for a registry row with the device read again from sysfs; null when it is not plugged in.</summary>
    public PolicyDecision? Check(DeviceRow row) =>
        row.Present != 0 && row.SysfsPath is string path && scanner.TryReadDevice(path, out UsbDevice? device, out _)
            ? Judge.Decide([device])[0]
            : null;

    public DeviceJudgement? CheckRow(DeviceRow row) => Check(row) is PolicyDecision d ? d.Judgement : null;

    /// <summary>Reads the policy again; on success the present devices are judged again and owned ones now refused are returned.</summary>
    /// <exception cref="InvalidOperationException">The new policy does not parse (the old one stays).</exception>
    public (DevicePolicy Policy, IReadOnlyList<(DeviceRow Row, PolicyDecision Decision)> OwnedButRefused) Reload()
    {
        lock (_reloading)
        {
            DevicePolicy policy;
            try
            {
                policy = PolicySource.Load(PolicySource.Reread(options));
            }
            catch (InvalidOperationException e)
            {
                LogReloadFailed(_privacy.Scrub(e.Message));
                throw;
            }

            CrashPoint.Here(CrashPoints.PolicyReloadBefore);
            _judge = new PolicyJudge(policy, _facts);
            CrashPoint.Here(CrashPoints.PolicyReloadAfter);
            LogReloaded(policy.Rules.Count, policy.DefaultRule.Text);
            Reloaded?.Invoke();
            List<(DeviceRow, PolicyDecision)> refused = [];
            foreach (DeviceRow row in devices.ListLive().Where(r => r.IsOwned && r.Status != DeviceStatus.External))
            {
                if (Check(row) is { Allowed: false } decision)
                {
                    LogOwnedButRefused(row.PortId ?? "?", row.Status, row.InstanceUuid ?? "?", _privacy.Scrub(decision.Reason));
                    refused.Add((row, decision));
                }
            }

            return (policy, refused);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true; // SIGHUP means reload, not hang up
            ThreadPool.QueueUserWorkItem(_ =>
            {
                try
                {
                    Reload();
                }
                catch (InvalidOperationException)
                {
                    // logged; the old policy stays
                }
            });
        });
        LogPolicy(Judge.Policy.Rules.Count, Judge.Policy.DefaultRule.Text, File.Exists(options.PolicyFile) ? options.PolicyFile : "no policy file");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _hangup?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "device policy: {Rules} rules, then '{Default}' ({Source}); hubs, mounted/swap/held storage and the last keyboard are refused unless a rule overrides")]
    private partial void LogPolicy(int rules, string @default, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "device policy reloaded: {Rules} rules, then '{Default}'")]
    private partial void LogReloaded(int rules, string @default);

    [LoggerMessage(Level = LogLevel.Error, Message = "device policy NOT reloaded, the previous one stays: {Why}")]
    private partial void LogReloadFailed(string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "device {Port} is {Status} to {Instance} but the policy now refuses it ({Why}); it stays until an operator detaches it (usbpassctl detach)")]
    private partial void LogOwnedButRefused(string port, string status, string instance, string why);
}
