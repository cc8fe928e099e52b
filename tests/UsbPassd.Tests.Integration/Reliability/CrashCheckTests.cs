using UsbPassd.Tests.Integration.Libvirt;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>The harness's checks see each kind of damage it looks for (else a clean run would prove nothing).</summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class CrashCheckTests
{
    [Fact]
    public async Task The_checks_see_a_stuck_claim_a_ledger_libvirt_disagrees_with_a_lost_history_row_and_a_device_owned_twice()
    {
        using var host = new CrashHost();
        var scenario = new CrashScenario(host);
        List<string> history = await scenario.PreparedAsync(CrashOperation.Detach); // 1-1 attached to A
        host.Kill();
        Assert.Empty(LedgerCheck.Problems(host, history));

        string devId = CrashHost.DevId("1-1");
        host.Write($"UPDATE assignments SET state = 'detaching' WHERE dev_id = '{devId}'");
        Assert.Contains(LedgerCheck.Problems(host, history), p => p.Contains("left detaching", StringComparison.Ordinal));

        host.Write($"UPDATE assignments SET state = 'reserved' WHERE dev_id = '{devId}'");
        Assert.Contains(LedgerCheck.Problems(host, history), p => p.Contains("the ledger's attached claims []", StringComparison.Ordinal));

        host.Write($"UPDATE assignments SET state = 'attached' WHERE dev_id = '{devId}'");
        Assert.Contains(LedgerCheck.Problems(host, [.. history, "999999|x|0|gone|attached|"]), p => p.Contains("history row lost", StringComparison.Ordinal));

        string alias = host.Sql($"SELECT alias FROM assignments WHERE dev_id = '{devId}'");
        string file = Path.Combine(Path.GetTempPath(), alias + ".xml");
        File.WriteAllText(file, $"<hostdev mode='subsystem' type='usb'><source><address bus='1' device='2'/></source><alias name='{alias}'/></hostdev>");
        LocalLibvirt.Shell($"virsh -q -c qemu:///system attach-device {host.DomainB} {file} --config");
        File.Delete(file);
        Assert.Contains(LedgerCheck.Problems(host, history), p => p.Contains("owned twice", StringComparison.Ordinal));

        host.Write($"UPDATE usb_devices SET instance_uuid = '{host.UuidB}' WHERE dev_id = '{CrashHost.DevId("1-2")}' AND deleted = 0");
        Assert.Contains(LedgerCheck.Problems(host, history), p => p.Contains("names owner", StringComparison.Ordinal));
    }
}
