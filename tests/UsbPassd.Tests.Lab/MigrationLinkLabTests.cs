using UsbPassd.Testing.Lab;
using Xunit.Abstractions;

namespace UsbPassd.Tests.Lab;

/// <summary>
/// Live migration of an L2 guest between the two lab hosts, with plain libvirt (no usbpassd): the
/// platform facts that usbpassd's migration handling builds on (/work/shared/docs/two-host-lab.md).
/// If libvirt or QEMU change what they do, these fail and say so.
/// </summary>
[Collection(PairGroup.Name)]
[Trait("Tier", "platform")] // make test-lab-platform: facts of libvirt and QEMU, not of usbpassd (kept out of make test for time)
public sealed class MigrationLinkLabTests(PairFixture fx, ITestOutputHelper output)
{
    [Fact]
    public Task A_paused_guest_without_usb_migrates_to_the_peer_and_back() => PairScenario.RunAsync(fx, output, "mig-link", async pair =>
    {
        output.WriteLine($"A's interfaces:\n{await pair.A.RunAsync("ip -br link; ip -br addr")}");
        await pair.StartDomainAsync(pair.A, "l2-mig");

        LabMigration there = await pair.MigrateAsync("l2-mig", pair.A, pair.B);
        Assert.True(there.Result.Succeeded, $"A→B: {there.Result}");
        await AssertOnlyOnAsync(pair.B, pair.A, "l2-mig");

        LabMigration back = await pair.MigrateAsync("l2-mig", pair.B, pair.A);
        Assert.True(back.Result.Succeeded, $"B→A: {back.Result}");
        await AssertOnlyOnAsync(pair.A, pair.B, "l2-mig");

        output.WriteLine($"migration without USB: A→B {there.WallTime.TotalSeconds:0.0} s, B→A {back.WallTime.TotalSeconds:0.0} s");
    });

    [Fact]
    public Task A_migrated_usb_hostdev_arrives_detached_until_it_is_detached_and_attached_again_on_the_destination() => PairScenario.RunAsync(fx, output, "mig-usb", async pair =>
    {
        const string domain = "l2-mig-usb", alias = "ua-test-0";
        await pair.StartDomainAsync(pair.A, domain);
        (int bus, int device) = await AddressAsync(pair.A, PairFixture.StickA.PortId);
        string hostdev = Hostdev(bus, device, alias);
        await AttachAsync(pair.A, domain, hostdev);
        Assert.True(await pair.A.Host.QomAttachedAsync(domain, alias), "attached on A");
        Assert.True(await pair.A.Host.QemuHoldsUsbAsync(domain), "QEMU on A holds the stick");
        Assert.Null(await pair.A.Host.HostDriverOfAsync(PairFixture.StickA.PortId));

        LabMigration there = await pair.MigrateAsync(domain, pair.A, pair.B);
        Assert.True(there.Result.Succeeded, $"A→B: {there.Result}");
        await AssertOnlyOnAsync(pair.B, pair.A, domain);
        Assert.Equal("usb-storage", await pair.A.Host.HostDriverOfAsync(PairFixture.StickA.PortId)); // managed='yes': A's stick is given back

        // B's libvirt took its own stick at A's bus/device (it compares no serials); QEMU closed it after the load.
        string onB = await PortAtAsync(pair.B, bus, device);
        Assert.Contains(alias, await pair.B.GuestUsbAsync(domain)); // info usb still lists it
        Assert.False(await pair.B.Host.QomAttachedAsync(domain, alias), "attached on B right after the migration");
        Assert.False(await pair.B.Host.QemuHoldsUsbAsync(domain), "QEMU on B holds no USB device");
        Assert.Equal("usb-storage", await pair.B.Host.HostDriverOfAsync(onB));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await File.WriteAllTextAsync(Path.Combine(pair.B.ShareDirectory, $"{alias}.xml"), hostdev);
        await pair.B.RunAsync($"virsh -q detach-device {domain} {pair.B.ShareDirectory}/{alias}.xml --live");
        TimeSpan detach = clock.Elapsed;
        await pair.B.RunAsync($"virsh -q attach-device {domain} {pair.B.ShareDirectory}/{alias}.xml --live");
        TimeSpan reattach = clock.Elapsed;
        Assert.True(await pair.B.Host.QomAttachedAsync(domain, alias), "attached on B after detach + attach");
        Assert.True(await pair.B.Host.QemuHoldsUsbAsync(domain), "QEMU on B holds the stick");
        Assert.Null(await pair.B.Host.HostDriverOfAsync(onB));

        output.WriteLine($"migration with a USB hostdev: A→B {there.WallTime.TotalSeconds:0.0} s (arrived on B's {onB}, detached); " +
            $"re-attach on B: detach-device {detach.TotalSeconds:0.0} s + attach-device {(reattach - detach).TotalSeconds:0.0} s");
    });

    // A hostdev as the doc's: by vendor/product and bus/device, optional, with a user alias (QEMU's id).
    private static string Hostdev(int bus, int device, string alias) => $"""
        <hostdev mode='subsystem' type='usb' managed='yes'>
          <source startupPolicy='optional'>
            <vendor id='0x46f4'/><product id='0x0001'/><address bus='{bus}' device='{device}'/>
          </source>
          <alias name='{alias}'/>
        </hostdev>
        """;

    private static async Task AttachAsync(LabScenario host, string domain, string hostdev)
    {
        string file = Path.Combine(host.ShareDirectory, $"{domain}-hostdev.xml");
        await File.WriteAllTextAsync(file, hostdev);
        await host.RunAsync($"virsh -q attach-device {domain} {file} --live");
    }

    private static async Task<(int Bus, int Device)> AddressAsync(LabScenario host, string portId)
    {
        string[] numbers = (await host.RunAsync($"cat /sys/bus/usb/devices/{portId}/busnum /sys/bus/usb/devices/{portId}/devnum")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (int.Parse(numbers[0]), int.Parse(numbers[1]));
    }

    // The port of the host's device at bus/device: the one the destination's libvirt picked.
    private static async Task<string> PortAtAsync(LabScenario host, int bus, int device)
    {
        foreach (UsbStorage stick in new[] { PairFixture.StickB1, PairFixture.StickB2 })
        {
            if (await AddressAsync(host, stick.PortId) == (bus, device))
            {
                return stick.PortId;
            }
        }

        throw new Xunit.Sdk.XunitException($"B has no stick at bus {bus} device {device}: the test assumes the same address as A's stick");
    }

    private async Task AssertOnlyOnAsync(LabScenario on, LabScenario notOn, string domain)
    {
        string state = (await on.RunAsync($"virsh -q domstate {domain}")).Trim();
        Assert.Equal("paused", state);
        Assert.False((await notOn.ExecAsync($"virsh -q dominfo {domain}")).Succeeded, $"'{domain}' is still defined on the source");
        output.WriteLine($"'{domain}' is {state} on {fx.Pair.HostName(on.Host)} and gone from {fx.Pair.HostName(notOn.Host)}");
    }
}
