using System.Text.RegularExpressions;
using UsbPassd.Tests.Integration.Libvirt;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// One (operation, point) pair on a <see cref="CrashHost"/>: an unarmed daemon puts the ledger where
/// the operation can start, the history is read, the daemon is killed (and libvirt changed behind
/// its back, for the reconcile operations), one armed at the point runs the operation, then an
/// unarmed one starts, reconciles once, and <see cref="LedgerCheck"/> judges what is left.
/// </summary>
internal sealed partial class CrashScenario(CrashHost host)
{
    /// <summary>SIGKILL's exit status as .NET reports it (128 + 9).</summary>
    public const int Killed = 137;

    private const string Reconciled = "reconciled with libvirt's domain XML";

    public async Task<CrashPair> RunAsync(CrashOperation op, string point, string x = "1-1", string y = "1-2")
    {
        if (!host.Running)
        {
            await host.StartReconciledAsync();
        }

        await PrepareAsync(op, x, y);
        List<string> history = LedgerCheck.History(host);
        host.Kill();
        PerturbLibvirt(op, x);

        host.Start(point);
        bool done = await RunArmedAsync(op, x, y);
        int? exit = await host.ExitAsync(done ? 1 : 60);
        EnsureKilledOrDone(host, op, point, done, exit);

        await host.StartReconciledAsync();
        List<string> problems = LedgerCheck.Problems(host, history);
        if (op == CrashOperation.ReconcileExternal)
        {
            // The foreign hostdev goes again, so the next pairs find the third key free. Changing a
            // shut-off domain's definition raises no event usbpassd reconciles on: a start does.
            host.Kill();
            LocalLibvirt.Shell($"virsh -q -c qemu:///system detach-device {host.DomainB} {ExternalXmlFile()} --config");
            await host.StartReconciledAsync();
        }

        return new CrashPair(op, point, op == CrashOperation.Swap ? $"{x}→{y}" : x, exit, problems);
    }

    /// <summary>The armed daemon either finished the operation or died by the crash point; anything else ends the run.</summary>
    public static void EnsureKilledOrDone(CrashHost host, CrashOperation op, string point, bool done, int? exit)
    {
        if (exit is null && !done)
        {
            throw new InvalidOperationException($"{op} @ {point}: neither finished nor died; log:\n{string.Join('\n', host.Log.TakeLast(40))}");
        }

        if (exit is not null and not Killed)
        {
            throw new InvalidOperationException($"{op} @ {point}: usbpassd ended with {exit}, not by the crash point; log:\n{string.Join('\n', host.Log.TakeLast(40))}");
        }
    }

    /// <summary>Brings the ledger to where <paramref name="op"/> can start, with an unarmed daemon; returns the history as it is then.</summary>
    public async Task<List<string>> PreparedAsync(CrashOperation op, string x = "1-1", string y = "1-2")
    {
        if (!host.Running)
        {
            await host.StartReconciledAsync();
        }

        await PrepareAsync(op, x, y);
        return LedgerCheck.History(host);
    }

    private async Task PrepareAsync(CrashOperation op, string x, string y)
    {
        switch (op)
        {
            case CrashOperation.Reserve or CrashOperation.Attach:
                await FreeAsync(x);
                break;
            case CrashOperation.Release:
                await ReservedToBAsync(x);
                break;
            case CrashOperation.Detach or CrashOperation.Follow or CrashOperation.ReconcileSettle or CrashOperation.ReconcileRepoint:
                await AttachedToAAsync(x);
                break;
            case CrashOperation.Swap:
                await AttachedToAAsync(x);
                await FreeAsync(y);
                break;
        }
    }

    // The armed daemon does the operation; true when it finished (the point was not reached on its way).
    private async Task<bool> RunArmedAsync(CrashOperation op, string x, string y)
    {
        if (op is CrashOperation.ReconcileSettle or CrashOperation.ReconcileRepoint or CrashOperation.ReconcileExternal)
        {
            return await host.LoggedOrDiedAsync(Reconciled);
        }

        if (!await ListeningAsync())
        {
            return false;
        }

        string? reply = op switch
        {
            CrashOperation.Reserve => await host.AskAsync("devices.reserve", $"\"device\":\"{x}\",\"instance_uuid\":\"{host.UuidB}\""),
            CrashOperation.Release => await host.AskAsync("devices.release", $"\"device\":\"{x}\",\"instance_uuid\":\"{host.UuidB}\""),
            CrashOperation.Attach => await host.AskAsync("devices.attach", $"\"device\":\"{x}\",\"instance\":\"{host.DomainA}\""),
            CrashOperation.Detach => await host.AskAsync("devices.detach", $"\"device\":\"{x}\",\"instance\":\"{host.DomainA}\""),
            CrashOperation.Swap => await host.AskAsync("devices.swap", $"\"instance\":\"{host.DomainA}\",\"from\":\"{x}\",\"to\":\"{y}\""),
            CrashOperation.PolicyReload => await host.AskAsync("policy.reload", ""),
            _ => "",
        };
        if (op == CrashOperation.Follow)
        {
            int seen = host.Log.Count();
            await host.ReplugAsync(x);
            return await host.LoggedOrDiedAsync("re-attached", seen);
        }

        if (reply is not null && !reply.Contains("\"result\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{op} refused by the armed daemon: {reply}");
        }

        return reply is not null;
    }

    private async Task<bool> ListeningAsync()
    {
        for (int i = 0; i < 1200; i++)
        {
            if (File.Exists(host.Socket))
            {
                return true;
            }

            if (!host.Running)
            {
                return false;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the armed usbpassd did not listen in 60 s");
    }

    // libvirt changed while usbpassd is down: what its next start must notice.
    private void PerturbLibvirt(CrashOperation op, string x)
    {
        switch (op)
        {
            case CrashOperation.ReconcileSettle: // our hostdev gone from the definition: attached → reserved
                LocalLibvirt.Shell($"virsh -q -c qemu:///system detach-device-alias {host.DomainA} {Alias(x)} --config");
                break;
            case CrashOperation.ReconcileRepoint: // our hostdev names a device number the key no longer has (a replug missed)
                string alias = Alias(x);
                host.Redefine(Hostdev().Replace(CrashHost.Definition(host.DomainA), m => m.Value.Contains(alias, StringComparison.Ordinal)
                    ? DeviceNumber().Replace(m.Value, "device='99'")
                    : m.Value));
                break;
            case CrashOperation.ReconcileExternal: // someone else's hostdev of the third key in B's definition
                LocalLibvirt.Shell($"virsh -q -c qemu:///system attach-device {host.DomainB} {ExternalXmlFile()} --config");
                break;
        }
    }

    private string ExternalXmlFile()
    {
        string file = Path.Combine(Path.GetDirectoryName(host.Socket)!, "external.xml");
        File.WriteAllText(file, $"<hostdev mode='subsystem' type='usb'><source><address bus='1' device='{host.Devnum("1-3")}'/></source></hostdev>");
        return file;
    }

    [GeneratedRegex("<hostdev .*?</hostdev>", RegexOptions.Singleline)]
    private static partial Regex Hostdev();

    [GeneratedRegex("device='\\d+'")]
    private static partial Regex DeviceNumber();

    private string Alias(string port) => host.Sql($"SELECT alias FROM assignments WHERE dev_id = '{CrashHost.DevId(port)}'");

    private string[]? Claim(string port) => host.Rows($"SELECT instance_uuid, state FROM assignments WHERE dev_id = '{CrashHost.DevId(port)}'").FirstOrDefault();

    private async Task FreeAsync(string port)
    {
        switch (Claim(port))
        {
            case null:
                return;
            case [string instance, "reserved"]:
                await host.MustAsync("devices.release", $"\"device\":\"{port}\",\"instance_uuid\":\"{instance}\"");
                return;
            case [string instance, "attached"]:
                await host.MustAsync("devices.detach", $"\"device\":\"{port}\",\"instance\":\"{host.DomainName(instance)}\"");
                return;
            case [string instance, string state]:
                throw new InvalidOperationException($"{port} is {state} to {host.DomainName(instance)}: the harness cannot free it");
        }
    }

    private async Task AttachedToAAsync(string port)
    {
        if (Claim(port) is [string instance, "attached"] && instance.Equals(host.UuidA, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        await FreeAsync(port);
        await host.MustAsync("devices.attach", $"\"device\":\"{port}\",\"instance\":\"{host.DomainA}\"");
    }

    private async Task ReservedToBAsync(string port)
    {
        if (Claim(port) is [string instance, "reserved"] && instance.Equals(host.UuidB, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        await FreeAsync(port);
        await host.MustAsync("devices.reserve", $"\"device\":\"{port}\",\"instance_uuid\":\"{host.UuidB}\"");
    }
}
