using UsbPassd.Libvirt;

namespace UsbPassd.Tests.Unit.Libvirt;

public class LibvirtCallsTests
{
    [Fact]
    public void Counts_each_function_by_name_across_threads()
    {
        var calls = new LibvirtCalls();
        Parallel.For(0, 1000, i => calls.Count(i % 4 == 0 ? "virDomainGetXMLDesc" : "virDomainGetState"));

        Assert.Equal(250, calls["virDomainGetXMLDesc"]);
        Assert.Equal(750, calls["virDomainGetState"]);
        Assert.Equal(0, calls["virDomainAttachDeviceFlags"]);
        Assert.Equal(["virDomainGetState", "virDomainGetXMLDesc"], calls.Snapshot().Select(c => c.Key));
    }
}
