using System.Buffers.Binary;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using UsbPassd.Testing;
using UsbPassd.Uevents;

namespace UsbPassd.Tests.Unit.Uevents;

public class UeventParserTests
{
    [Fact]
    public void Parses_the_kernel_datagram_from_usbguards_fuzz_corpus_byte_for_byte()
    {
        byte[] datagram = File.ReadAllBytes(Path.Combine(Corpus.Raw, "USBGuard__usbguard/src__Tests__Fuzzers__fuzzer-uevent_corpus__0001.bin"));

        Assert.True(UeventParser.TryParse(datagram, out Uevent? e, out string? error), error);

        Assert.Equal((UeventGroup.Kernel, "add", "/devices/platform/dummy_hcd.0/usb1", "usb1"), (e.Group, e.Action, e.DevPath, e.Name));
        Assert.True(e.IsUsbDevice);
        Assert.Equal("1d6b/2/401", e.Properties["PRODUCT"]);
        Assert.Equal("001", e.Properties["BUSNUM"]);
        Assert.Equal("bus/usb/001/001", e.Properties["DEVNAME"]);
        Assert.Equal(1117, e.Seqnum);
    }

    [Fact]
    public void Parses_a_udev_message_with_its_header()
    {
        byte[] datagram = UdevDatagram.Build(("ACTION", "add"), ("DEVPATH", "/devices/pci0000:00/0000:00:05.0/usb2/2-1"),
            ("SUBSYSTEM", "usb"), ("DEVTYPE", "usb_device"), ("ID_SERIAL_SHORT", "KEY-0001"), ("SEQNUM", "2051"));

        Assert.True(UeventParser.TryParse(datagram, out Uevent? e, out string? error), error);

        Assert.Equal((UeventGroup.Udev, "add", "2-1", 2051L), (e.Group, e.Action, e.Name, e.Seqnum));
        Assert.Equal("KEY-0001", e.Properties["ID_SERIAL_SHORT"]);
    }

    public static TheoryData<byte[], string> Malformed() => new()
    {
        { Encoding.UTF8.GetBytes("hello world"), "no action@/devpath" },
        { Encoding.UTF8.GetBytes("add@/devices/x\0NOEQUALS\0"), "without KEY=" },
        { Encoding.UTF8.GetBytes("add@/devices/../../etc\0"), "leaves /sys" },
        { Encoding.UTF8.GetBytes("add@/devices/x\0ACTION=remove\0"), "differ" },
        { Encoding.UTF8.GetBytes("add@/devices/x\0" + string.Concat(Enumerable.Range(0, 200).Select(i => $"K{i}=v\0"))), "more than 128" },
        { new byte[9000], "more than 8192" },
        { "libudev\0"u8.ToArray(), "shorter than its header" },
        { WithMagic(0xdeadbeef), "wrong magic" },
        { WithOffset(4000), "outside" },
        { UdevDatagram.Build(("SUBSYSTEM", "usb")), "no ACTION or DEVPATH" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Refuses_malformed_messages_with_a_reason(byte[] datagram, string reason)
    {
        Assert.False(UeventParser.TryParse(datagram, out _, out string? error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Never_throws_on_any_bytes() =>
        Prop.ForAll<byte[]>(bytes =>
            Consistent(bytes ?? []) && Consistent([.. "libudev\0"u8, 0xfe, 0xed, 0xca, 0xfe, .. bytes ?? []])).QuickCheckThrowOnFailure();

    // Either an event or a reason, never both, never neither, never an exception.
    private static bool Consistent(byte[] datagram) =>
        UeventParser.TryParse(datagram, out Uevent? e, out string? error) ? e is not null && error is null : e is null && error is not null;

    [Fact]
    public void Recordings_round_trip()
    {
        byte[] kernel = RecordedUevents.KernelDatagram("remove", "/devices/x/1-2", ("SUBSYSTEM", "usb"));
        string text = "# a comment\n" + RecordedUevents.Line(UeventGroup.Kernel, kernel) + "\n" + RecordedUevents.Line(UeventGroup.Udev, [1, 2]) + "\n";

        var read = RecordedUevents.Read(new StringReader(text)).ToList();

        Assert.Equal([UeventGroup.Kernel, UeventGroup.Udev], read.Select(r => r.Group));
        Assert.Equal(kernel, read[0].Datagram);
        Assert.Contains("line 1", Assert.Throws<FormatException>(() => RecordedUevents.Read(new StringReader("bogus x")).ToList()).Message);
    }

    private static byte[] WithMagic(uint magic)
    {
        byte[] d = UdevDatagram.Build(("ACTION", "add"), ("DEVPATH", "/devices/x"));
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(8), magic);
        return d;
    }

    private static byte[] WithOffset(uint offset)
    {
        byte[] d = UdevDatagram.Build(("ACTION", "add"), ("DEVPATH", "/devices/x"));
        BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(16), offset);
        return d;
    }
}
