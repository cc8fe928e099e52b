using System.Text;
using UsbPassd.Testing.Recordings;

namespace UsbPassd.Tests.Unit.Recordings;

public class UmockdevRecordingTests
{
    [Fact]
    public void Parses_paragraphs_attributes_and_escapes()
    {
        const string text = "P: /devices/usb1/1-2\nN: bus/usb/001/002=1201\nE: SUBSYSTEM=usb\nE: K=a=b\nA: product=Microsoft\\302\\256 Reader\\n\nA: version= 2.00\nH: descriptors=12010002\nL: driver=../../bus/usb/drivers/usb\n\n\nP: /devices/usb1\nE: SUBSYSTEM=usb\n";

        var devices = UmockdevRecording.Parse(Encoding.UTF8.GetBytes(text));

        Assert.Equal(2, devices.Count);
        Assert.Equal("Microsoft\u00ae Reader\n", Encoding.UTF8.GetString(devices[0].Attributes["product"]));
        Assert.Equal(" 2.00", Encoding.UTF8.GetString(devices[0].Attributes["version"]));
        Assert.Equal([0x12, 0x01, 0x00, 0x02], devices[0].Attributes["descriptors"]);
        Assert.Equal("a=b", devices[0].Property("K"));
        Assert.Equal("../../bus/usb/drivers/usb", devices[0].Links["driver"]);
    }

    [Theory]
    [InlineData("E: SUBSYSTEM=usb\n", "must begin with P:")]
    [InlineData("P: /devices/x\nP: /devices/y\n", "second P:")]
    [InlineData("P: /sys/x\n", "must start with /devices/")]
    [InlineData("P: /devices/x\nE:SUBSYSTEM=usb\n", "malformed")]
    [InlineData("P: /devices/x\nX: y=z\nE: SUBSYSTEM=usb\n", "malformed")]
    [InlineData("P: /devices/x\nA: novalue\nE: SUBSYSTEM=usb\n", "key=value")]
    [InlineData("P: /devices/x\nH: d=123\nE: SUBSYSTEM=usb\n", "odd number")]
    [InlineData("P: /devices/x\nA: a=b\n", "0 SUBSYSTEM")]
    public void Rejects_malformed_recordings_with_the_line(string text, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => UmockdevRecording.Parse(Encoding.UTF8.GetBytes(text))).Message);

    [Theory]
    [InlineData("a\\tb", "a\tb")]
    [InlineData("\\101\\102", "AB")]
    [InlineData("x\\q", "xq")]
    [InlineData("end\\", "end\\")]
    public void Compress_is_g_strcompress(string escaped, string expected) =>
        Assert.Equal(expected, Encoding.Latin1.GetString(GLibEscapes.Compress(Encoding.Latin1.GetBytes(escaped))));
}
