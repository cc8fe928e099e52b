using UsbPassd.Libvirt;

namespace UsbPassd.Tests.Unit.Libvirt;

public class HostdevAliasTests
{
    [Fact]
    public void Our_alias_is_ours() =>
        Assert.Equal(AliasOwner.Ours, HostdevAlias.Owner(HostdevXml.Alias("04a9:31c0:C767F1C714174C309255F70E4A7B2EE2")));

    [Theory]
    [InlineData("hostdev0")]
    [InlineData("hostdev12")]
    [InlineData("ua-mine")]
    [InlineData("ua-usbpass-0123456789abcdef")] // one letter short of ours: someone else's
    public void Hostdevs_libvirt_or_a_user_named_are_someone_elses(string alias) =>
        Assert.Equal(AliasOwner.Other, HostdevAlias.Owner(alias));

    [Theory]
    [InlineData("virtio-disk0")]
    [InlineData("net0")]
    [InlineData("input0")]
    [InlineData("")]
    public void Other_devices_are_no_hostdevs(string alias) =>
        Assert.Equal(AliasOwner.NotHostdev, HostdevAlias.Owner(alias));
}
