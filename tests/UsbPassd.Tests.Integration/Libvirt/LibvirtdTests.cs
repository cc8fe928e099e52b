using System.Diagnostics;
using UsbPassd.Libvirt;

namespace UsbPassd.Tests.Integration.Libvirt;

/// <summary>The binding against the real libvirtd of this machine (started here if it is not running).</summary>
[Collection(LocalLibvirtGroup.Name)]
public sealed class LibvirtdTests : IDisposable
{
    private readonly string _name = $"usbpassd-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40];
    private readonly LibvirtConnection _libvirt;

    public LibvirtdTests()
    {
        LocalLibvirt.Define(_name);
        _libvirt = LibvirtConnection.Open("qemu:///system");
    }

    public void Dispose()
    {
        LocalLibvirt.Remove(_name);
        _libvirt.Dispose();
    }

    [Fact]
    public void A_shut_off_domain_takes_a_hostdev_into_its_config_and_gives_it_back_by_alias()
    {
        using LibvirtDomain vm = _libvirt.FindDomain(_name);
        var (flags, refusal) = AttachFlags.For(vm.State, vm.Persistent, "auto", vm.Name);
        Assert.Equal((DomainState.ShutOff, AttachFlags.Config, (string?)null), (vm.State, flags, refusal));

        string alias = HostdevXml.Alias("46f4:0001:KEY-0001");
        _libvirt.Attach(vm, HostdevXml.Build(0x46f4, 0x0001, 2, 3, alias, "optional"), flags);

        DomainHostdev hostdev = Assert.Single(DomainXml.UsbHostdevs(_libvirt.Xml(vm, inactive: true)));
        Assert.Equal((alias, (ushort?)0x46f4, (int?)2, (int?)3, "optional"), (hostdev.Alias, hostdev.VendorId, hostdev.Bus, hostdev.Device, hostdev.StartupPolicy));

        _libvirt.DetachAlias(vm, alias, AttachFlags.Config);
        Assert.Empty(DomainXml.UsbHostdevs(_libvirt.Xml(vm, inactive: true)));
    }

    [Fact]
    public void Libvirts_own_error_is_captured_on_the_calling_thread()
    {
        var e = Assert.Throws<LibvirtException>(() => _libvirt.FindDomain("no-such-domain-usbpassd"));
        Assert.Equal(LibvirtException.NoDomain, e.Code);
        Assert.Contains("no-such-domain-usbpassd", e.Message);

        using LibvirtDomain vm = _libvirt.FindDomain(_name);
        var live = Assert.Throws<LibvirtException>(() => _libvirt.Attach(vm, HostdevXml.Build(1, 2, 3, 4, "ua-usbpassd-x", "optional"), AttachFlags.Live));
        Assert.Equal(LibvirtException.OperationInvalid, live.Code); // "domain is not running"
    }

    [Fact]
    public async Task Lifecycle_events_arrive_from_the_event_loop()
    {
        var started = new TaskCompletionSource<(string, int)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using LibvirtDomain vm = _libvirt.FindDomain(_name);
        _libvirt.Lifecycle += (uuid, type, _) =>
        {
            if (uuid == vm.Uuid && type == 2) // VIR_DOMAIN_EVENT_STARTED
            {
                started.TrySetResult((uuid, type));
            }
        };

        Virsh($"start --paused {_name}");

        Assert.Equal(vm.Uuid, (await started.Task.WaitAsync(TimeSpan.FromSeconds(60))).Item1);
    }

    private static int Virsh(string arguments, bool check = true)
    {
        int code = Run("virsh", $"-q -c qemu:///system {arguments}");
        return check && code != 0 ? throw new InvalidOperationException($"virsh {arguments} failed ({code})") : code;
    }

    private static int Run(string file, string arguments)
    {
        using Process p = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        p.WaitForExit();
        return p.ExitCode;
    }
}
