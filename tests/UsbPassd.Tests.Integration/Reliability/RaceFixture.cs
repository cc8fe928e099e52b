using System.Text.Json;
using UsbPassd.Protocol;
using UsbPassd.Testing;
using UsbPassd.Testing.Recordings;
using UsbPassd.Tests.Integration.Libvirt;
using UsbPassd.Tests.Integration.Rpc;

namespace UsbPassd.Tests.Integration.Reliability;

/// <summary>
/// The real daemon on a recorded host of a few hundred corpus devices (<see cref="BigTree"/>), against
/// this machine's libvirtd with a handful of persistent, shut-off domains of its own (config attaches).
/// </summary>
public sealed class RaceFixture : DaemonFixture
{
    public const int HostDevices = 300;

    public RaceFixture() : base("qemu:///system", Tree(), "none") { }

    private static SysfsTree Tree()
    {
        SysfsTree tree = SysfsTree.CreateTemporary("sys");
        BigTree.Write(tree.Root, HostDevices);
        return tree;
    }

    /// <summary>The racing instances: domain name and its UUID (what the ledger names as owner).</summary>
    public IReadOnlyList<(string Name, string Uuid)> Domains { get; private set; } = [];

    public override async Task InitializeAsync()
    {
        var domains = new List<(string, string)>();
        for (int i = 0; i < RaceSettings.Domains; i++)
        {
            string name = $"usbpassd-race-{Environment.ProcessId}-{i}";
            LocalLibvirt.Remove(name);
            LocalLibvirt.Define(name);
            domains.Add((name, LocalLibvirt.Shell($"virsh -q -c qemu:///system domuuid {name}").Trim()));
        }

        Domains = domains;
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach ((string name, _) in Domains)
        {
            LocalLibvirt.Remove(name);
        }
    }

    /// <summary>
    /// The hot set: eligible, free, non-hub devices, taken from buses 2 and up (bus 1 holds the ports
    /// other tests' fixtures use, whose hostdevs on this shared libvirtd would be "external" here).
    /// </summary>
    public async Task<IReadOnlyList<string>> HotDevicesAsync(int count)
    {
        using WireClient c = await ConnectAsync();
        JsonElement list = JsonDocument.Parse(await c.AskAsync($$"""{"jsonrpc":"2.0","id":1,"method":"{{Methods.DevicesList}}","params":{"status":"available"} }""")).RootElement.GetProperty("result");
        return [.. list.EnumerateArray()
            .Where(d => d.GetProperty("info").GetProperty("eligible").GetBoolean() && !d.GetProperty("info").GetProperty("is_hub").GetBoolean()
                && d.GetProperty("bus_id").GetInt32() >= 2)
            .Select(d => d.GetProperty("port_id").GetString()!)
            .Take(count)];
    }
}
