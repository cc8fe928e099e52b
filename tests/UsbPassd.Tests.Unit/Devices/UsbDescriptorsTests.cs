using FsCheck;
using FsCheck.Fluent;
using UsbPassd.Devices;
using UsbPassd.Testing;

namespace UsbPassd.Tests.Unit.Devices;

public class UsbDescriptorsTests
{
    [Fact]
    public void Reads_the_lg_phone_blob_from_usbguard()
    {
        byte[] blob = File.ReadAllBytes(Path.Combine(Corpus.Raw, "USBGuard__usbguard/src__Tests__USB__data__0001.bin"));

        Assert.True(UsbDescriptors.TryParseDevice(blob, out var device));
        Assert.Equal((0x1004, 0x61fe, 0xef), (device.VendorId, device.ProductId, device.Class));
        Assert.True(UsbDescriptors.TryParseInterfaces(blob, 1, out UsbInterface[] interfaces));
        Assert.Equal([0x02, 0x0a, 0xff, 0x02, 0x0a], interfaces.Select(i => i.Class));
        Assert.Equal([0, 1, 2, 3, 4], interfaces.Select(i => i.Number));
    }

    [Fact]
    public void Chooses_the_active_configuration()
    {
        byte[] blob =
        [
            18, 1, 0, 2, 0, 0, 0, 64, 0x34, 0x12, 0x78, 0x56, 0, 1, 1, 2, 3, 2,
            9, 2, 18, 0, 1, 1, 0, 0x80, 50, 9, 4, 0, 0, 0, 0x08, 6, 0x50, 0,
            9, 2, 18, 0, 1, 2, 0, 0x80, 50, 9, 4, 0, 0, 0, 0x03, 1, 1, 0,
        ];

        Assert.True(UsbDescriptors.TryParseInterfaces(blob, 2, out UsbInterface[] second));
        Assert.Equal(0x03, Assert.Single(second).Class);
        Assert.True(UsbDescriptors.TryParseInterfaces(blob, null, out UsbInterface[] first));
        Assert.Equal(0x08, Assert.Single(first).Class);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 18, 1, 0 })]
    [InlineData(new byte[] { 9, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public void Refuses_what_is_not_a_device_descriptor(byte[] blob) =>
        Assert.False(UsbDescriptors.TryParseInterfaces(blob, null, out _));

    [Fact]
    public void Never_throws_or_loops_on_garbage() =>
        Prop.ForAll<byte[]>(tail =>
        {
            byte[] blob = [18, 1, 0, 2, 0, 0, 0, 64, 1, 0, 2, 0, 0, 1, 0, 0, 0, 1, .. tail ?? []];
            return UsbDescriptors.TryParseInterfaces(blob, 1, out _);
        }).QuickCheckThrowOnFailure();
}
